import { describe, expect, it } from "vitest";
import {
  countKey,
  formatBytes,
  formatElapsed,
  KEYS,
  langFromLocale,
  localMessage,
  translate,
} from "./i18n";

describe("i18n", () => {
  it("translates with parameters in both languages", () => {
    expect(translate("en", "generateMany", { n: 3 })).toBe("Generate 3 videos");
    expect(translate("zh", "generateMany", { n: 3 })).toBe("生成 3 个视频");
  });

  it("gives every Chinese string the English one's placeholders", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(KEYS.length).toBeGreaterThan(100);
    for (const key of KEYS) {
      expect(translate("zh", key), key).not.toBe("");
      expect(names(translate("zh", key)), key).toEqual(names(translate("en", key)));
    }
  });

  it("says one video, not one videos", () => {
    const count = (n: number) => translate("en", countKey("countLabel", n), { n });
    expect([count(1), count(2)]).toEqual(["1 video", "2 videos"]);
    expect(translate("zh", countKey("countLabel", 1), { n: 1 })).toBe("1 个视频");
    expect(countKey("videoN", 1)).toBe("videoN"); // no one-form: the key itself
  });

  it("picks the language from the locale", () => {
    expect(langFromLocale("zh-CN")).toBe("zh");
    expect(langFromLocale("zh-Hant-TW")).toBe("zh");
    expect(langFromLocale("en-GB")).toBe("en");
    expect(langFromLocale(undefined)).toBe("en");
  });

  it("shows the engine's message in the UI language", () => {
    const report = { message: "HEIC is not supported", messageZh: "不支持 HEIC" };
    expect(localMessage("en", report)).toBe("HEIC is not supported");
    expect(localMessage("zh", report)).toBe("不支持 HEIC");
  });

  it("formats sizes and elapsed times", () => {
    expect(formatBytes(421_888)).toBe("412 KB");
    expect(formatBytes(3_400_000)).toBe("3.2 MB");
    expect(formatElapsed(7_400)).toBe("0:07");
    expect(formatElapsed(3_723_000)).toBe("1:02:03");
  });
});
