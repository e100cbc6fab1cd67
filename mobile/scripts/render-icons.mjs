// Renders the PNG icons of the web app manifest from the SVG sources in
// public/icons with Chromium: `node scripts/render-icons.mjs`. Run it after
// changing an SVG and commit the PNGs it writes.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const dir = new URL("../public/icons/", import.meta.url).pathname;
const renders = [
  { svg: "icon.svg", png: "icon-192.png", size: 192 },
  { svg: "icon.svg", png: "icon-512.png", size: 512 },
  { svg: "icon-maskable.svg", png: "icon-maskable-512.png", size: 512 },
  { svg: "icon-maskable.svg", png: "apple-touch-icon.png", size: 180 },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
try {
  for (const { svg, png, size } of renders) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const source = readFileSync(`${dir}${svg}`, "utf8");
    await page.setContent(
      `<body style="margin:0;background:transparent">${source.replace("<svg ", `<svg width="${size}" height="${size}" `)}</body>`,
    );
    await page.screenshot({ path: `${dir}${png}`, omitBackground: true });
    await page.close();
    console.log(`${png} ${size}x${size}`);
  }
} finally {
  await browser.close();
}
