// Vitest runs in jsdom; Tauri's mockIPC needs window.crypto, which jsdom provides.
export {};
