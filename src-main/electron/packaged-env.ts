// Environment the engine needs in the packaged app, set at startup (main.ts imports this module first),
// before anything starts a backend. The wasm backend cannot read its .wasm files from inside app.asar, so
// electron-builder unpacks them (electron-builder.yml asarUnpack) and src-main/engine/backend.ts is told
// where through DDCNN_WASM_DIR, which it reads when a backend starts. Trainer utility processes inherit
// the variable from the main process.
import path from 'node:path';
import { app } from 'electron';

export function unpackedWasmDir(resourcesPath: string): string {
  return path.join(resourcesPath, 'app.asar.unpacked', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
}

if (app.isPackaged && !process.env.DDCNN_WASM_DIR) process.env.DDCNN_WASM_DIR = unpackedWasmDir(process.resourcesPath);
