// Gateway profiles as the Settings screen and the welcome edit them. Keys only ever go to Rust:
// the typed key lives in this store until it is saved, and what comes back is where the key is
// kept and its last four characters.

import { api, errorReport } from "./api";
import type { CheckReport } from "./bindings/CheckReport";
import type { ErrorReport } from "./bindings/ErrorReport";
import type { KeyStoreStatus } from "./bindings/KeyStoreStatus";
import type { Profile } from "./bindings/Profile";
import type { ProfileDraft } from "./bindings/ProfileDraft";
import type { SettingsView } from "./bindings/SettingsView";
import { DEFAULT_PRICES } from "./models";

/** The document's gateway. */
export const DEFAULT_BASE_URL = "https://api.apiyi.com";

export function newDraft(name = "Default"): ProfileDraft {
  return {
    name,
    baseUrl: DEFAULT_BASE_URL,
    authScheme: "bare",
    proxy: "system",
    connectSecs: 20,
    idleSecs: 360,
    overallSecs: 1200,
    prices: structuredClone(DEFAULT_PRICES),
    defaultModel: null,
    defaultCount: 1,
    route: "stream",
    capabilities: {},
    chatModel: null,
  };
}

/** The draft part of a stored profile. */
export function draftOf(p: Profile): ProfileDraft {
  return {
    name: p.name,
    baseUrl: p.baseUrl,
    authScheme: p.authScheme,
    proxy: p.proxy,
    connectSecs: p.connectSecs,
    idleSecs: p.idleSecs,
    overallSecs: p.overallSecs,
    prices: structuredClone($state.snapshot(p.prices)),
    defaultModel: p.defaultModel,
    defaultCount: p.defaultCount,
    route: p.route,
    capabilities: { ...$state.snapshot(p.capabilities) },
    chatModel: p.chatModel,
  };
}

/** How the proxy field is chosen: the system's, none, or a URL typed in. */
export type ProxyChoice = "system" | "none" | "url";

export function proxyChoice(proxy: string): ProxyChoice {
  return proxy === "system" ? "system" : proxy === "none" || proxy === "" ? "none" : "url";
}

export class ProfilesStore {
  view: SettingsView | null = $state(null);
  keyStore: KeyStoreStatus | null = $state(null);
  /** The profile being edited, or `null` for a new one. */
  editing: number | null = $state(null);
  draft: ProfileDraft = $state(newDraft());
  /** A key typed to set or replace the profile's key; never filled from Rust. */
  key = $state("");
  report: CheckReport | null = $state(null);
  testing = $state(false);
  saving = $state(false);
  error: ErrorReport | null = $state(null);

  get profiles(): Profile[] {
    return this.view?.profiles ?? [];
  }

  /** The text models the edited profile's gateway offered (its last test, or the test just run). */
  get chatModels(): string[] {
    const tested = this.report?.chatModels ?? [];
    const stored = this.editing === null ? [] : (this.view?.chatModels[this.editing] ?? []);
    return [...new Set([...tested, ...stored])];
  }

  get current(): Profile | null {
    return this.profiles.find((p) => p.id === this.editing) ?? null;
  }

  /** Loads the profiles and edits the active one (or a new one); the key store is probed after. */
  async load(): Promise<void> {
    this.view = await api.settings();
    const active = this.profiles.find((p) => p.active) ?? this.profiles[0] ?? null;
    this.edit(active?.id ?? null);
    void api.keyStore().then((k) => (this.keyStore = k));
  }

  edit(id: number | null): void {
    this.editing = id;
    const p = this.current;
    this.draft = p ? draftOf(p) : newDraft(this.profiles.length === 0 ? "Default" : "");
    this.key = "";
    this.report = null;
    this.error = null;
  }

  /** Tests the profile as edited, with the typed key or else its stored one. */
  async test(): Promise<CheckReport | null> {
    this.testing = true;
    this.error = null;
    try {
      this.report = await api.testConnection(
        $state.snapshot(this.draft),
        this.key || null,
        this.editing,
      );
      return this.report;
    } catch (e) {
      this.error = errorReport(e);
      return null;
    } finally {
      this.testing = false;
    }
  }

  /** Saves the profile (and the typed key); resolves with it, or null if it was refused. */
  async save(): Promise<Profile | null> {
    this.saving = true;
    this.error = null;
    try {
      const saved = await api.saveProfile(
        this.editing,
        $state.snapshot(this.draft),
        this.key || null,
      );
      this.view = await api.settings();
      const report = this.report;
      this.edit(saved.id);
      this.report = report;
      return saved;
    } catch (e) {
      this.error = errorReport(e);
      return null;
    } finally {
      this.saving = false;
    }
  }

  async activate(id: number): Promise<void> {
    await api.activateProfile(id);
    this.view = await api.settings();
  }

  async remove(id: number): Promise<void> {
    await api.removeProfile(id);
    await this.load();
  }
}

export const profiles = new ProfilesStore();
