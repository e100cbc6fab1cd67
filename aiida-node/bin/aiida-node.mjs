#!/usr/bin/env node
// Runs the AIIDA node program (TypeScript) through tsx.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
