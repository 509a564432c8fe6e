// What the person chose and what Framecast remembers between runs: language, theme, the prompt
// and the model choices. Each setter persists at once.

import { type Key, type Lang, langFromLocale, type Params, translate } from "./i18n";
import type { Orientation, Speed } from "./models";
import { modifierKey, os } from "./platform";
import { isString, isStringOrNull, load, oneOf, save } from "./storage";

export type ThemePref = "system" | "light" | "dark";
export type Count = 1 | 2 | 3 | 4;

function persisted<T>(key: string, fallback: T, valid: (v: unknown) => v is T) {
  let value = $state(load(key, fallback, valid));
  return {
    get value() {
      return value;
    },
    set value(next: T) {
      value = next;
      save(key, next);
    },
  };
}

class Settings {
  #lang = persisted<Lang>(
    "lang",
    langFromLocale(globalThis.navigator?.language),
    oneOf<Lang>("en", "zh"),
  );
  #theme = persisted<ThemePref>("theme", "system", oneOf<ThemePref>("system", "light", "dark"));
  #prompt = persisted<string>("prompt", "", isString);
  #orientation = persisted<Orientation>(
    "orientation",
    "landscape",
    oneOf<Orientation>("portrait", "landscape"),
  );
  // For this session only: a new run starts by following the start frame again.
  #orientationExplicit = $state(false);
  #speed = persisted<Speed>("speed", "standard", oneOf<Speed>("standard", "fast"));
  #modelOverride = persisted<string | null>("modelOverride", null, isStringOrNull);
  #count = persisted<Count>("count", 1, oneOf<Count>(1, 2, 3, 4));

  get lang() {
    return this.#lang.value;
  }
  set lang(v: Lang) {
    this.#lang.value = v;
  }
  get theme() {
    return this.#theme.value;
  }
  set theme(v: ThemePref) {
    this.#theme.value = v;
  }
  get prompt() {
    return this.#prompt.value;
  }
  set prompt(v: string) {
    this.#prompt.value = v;
  }
  get orientation() {
    return this.#orientation.value;
  }
  set orientation(v: Orientation) {
    this.#orientation.value = v;
  }
  /** The person picked the orientation themselves: a start frame no longer switches it. */
  get orientationExplicit() {
    return this.#orientationExplicit;
  }
  set orientationExplicit(v: boolean) {
    this.#orientationExplicit = v;
  }
  get speed() {
    return this.#speed.value;
  }
  set speed(v: Speed) {
    this.#speed.value = v;
  }
  /** The model name as typed by hand; `null` while it follows the picker. */
  get modelOverride() {
    return this.#modelOverride.value;
  }
  set modelOverride(v: string | null) {
    this.#modelOverride.value = v;
  }
  get count() {
    return this.#count.value;
  }
  set count(v: Count) {
    this.#count.value = v;
  }
}

export const settings = new Settings();

/** A UI string in the current language. */
export function t(key: Key, params?: Params): string {
  return translate(settings.lang, key, params);
}

/** The platform's shortcut modifier, as printed. */
export const modKey = modifierKey(os);
