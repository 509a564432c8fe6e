import { describe, expect, it } from "vitest";
import { modifierKey, osOf } from "./platform";

describe("the OS", () => {
  it("is read from each webview's user agent", () => {
    const webView2 =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
    const wkWebView =
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)";
    const webKitGtk =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";
    expect(osOf(webView2)).toBe("windows");
    expect(osOf(wkWebView)).toBe("macos");
    expect(osOf(webKitGtk)).toBe("linux");
    expect(osOf("")).toBe("linux");
  });

  it("prints the shortcut modifier as each OS names it", () => {
    expect(modifierKey("macos")).toBe("⌘");
    expect(modifierKey("windows")).toBe("Ctrl");
    expect(modifierKey("linux")).toBe("Ctrl");
  });
});
