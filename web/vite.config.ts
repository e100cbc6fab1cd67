import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The EP Web App's dev server and preview. WEB_PORT picks the port (5173 by
// default, the redirect URI the IAM knows); WEB_STRICT_PORT=0 lets a test take
// whatever port is free instead of failing when 5173 is taken.
const port = Number(process.env.WEB_PORT ?? 5173);
const strictPort = process.env.WEB_STRICT_PORT !== "0";

export default defineConfig({
  plugins: [react()],
  server: { host: "localhost", port, strictPort },
  preview: { host: "localhost", port, strictPort },
  build: { target: "es2022", sourcemap: true },
});
