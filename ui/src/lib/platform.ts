// Which OS the window runs on. Each has its own webview (WebView2, WKWebView, WebKitGTK), and its
// user agent says which; the few things that differ by OS ask here.

export type Os = "windows" | "macos" | "linux";

/** The OS a webview's user agent names; Linux when it names neither Windows nor a Mac. */
export function osOf(userAgent: string): Os {
  if (/Windows/.test(userAgent)) return "windows";
  if (/Macintosh|Mac OS X/.test(userAgent)) return "macos";
  return "linux";
}

/** The OS this window runs on. */
export const os: Os = typeof navigator !== "undefined" ? osOf(navigator.userAgent) : "linux";

/** The shortcut modifier as printed: ⌘ on a Mac (where Ctrl+click is a right click), else Ctrl. */
export function modifierKey(on: Os): string {
  return on === "macos" ? "⌘" : "Ctrl";
}
