import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../lib/app.svelte";
import type { Help } from "../lib/bindings/Help";
import { promptHelp } from "../lib/promptHelp.svelte";
import { settings } from "../lib/settings.svelte";
import { appInfo, clearMocks, flush, installIpc } from "../test/ipc";
import PromptEditor from "./PromptEditor.svelte";
import PromptHelp from "./PromptHelp.svelte";

const ORIGINAL = "A paper boat drifts down a street";
const IMPROVED = "A small paper boat drifts down a rain-soaked street at dusk";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function help(over: Partial<Help> = {}): Help {
  return {
    action: "improve",
    model: "gpt-4o-mini",
    text: IMPROVED,
    shots: [],
    usage: { promptTokens: 120, completionTokens: 48, totalTokens: 168 },
    usd: null,
    ...over,
  } as Help;
}

let answer = deferred<Help>();

function setup(ready = true) {
  const ipc = installIpc({ prompt_help: () => answer.promise });
  app.info = appInfo({ ready });
  render(PromptEditor);
  render(PromptHelp);
  return ipc;
}

const button = (id: string) => screen.getByTestId(id) as HTMLButtonElement;

describe("prompt help", () => {
  beforeEach(() => {
    settings.lang = "en";
    settings.prompt = ORIGINAL;
    answer = deferred<Help>();
    promptHelp.close();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("streams the suggestion beside the prompt with the changes marked, then accepts it", async () => {
    const ipc = setup();
    await fireEvent.click(button("help-improve"));
    const call = ipc.calls.find((c) => c.cmd === "prompt_help");
    expect(call?.args.request).toMatchObject({ action: "improve", text: ORIGINAL });
    expect(screen.getByTestId("prompt-help").dataset.running).toBe("true");
    expect(button("help-accept").disabled).toBe(true);

    ipc.help(0, { type: "model", model: "gpt-4o-mini" });
    ipc.help(0, { type: "delta", text: "A small paper boat " });
    await flush();
    expect(screen.getByTestId("help-model").textContent).toBe("gpt-4o-mini");
    expect(screen.getByTestId("help-suggestion").textContent).toContain("A small paper boat");
    ipc.help(0, { type: "delta", text: "drifts down a rain-soaked street at dusk" });
    answer.resolve(help());
    await flush();
    await flush();

    const added = [...screen.getByTestId("help-suggestion").querySelectorAll(".added")].map(
      (e) => e.textContent,
    );
    expect(added).toEqual(["small ", "rain-soaked ", " at dusk"]);
    expect(screen.getByTestId("help-original").textContent).toBe(ORIGINAL);
    expect(screen.getByTestId("help-usage").textContent).toBe(
      "gpt-4o-mini · 168 tokens · no token price set",
    );
    await fireEvent.click(button("help-accept"));
    expect(settings.prompt).toBe(IMPROVED);
    expect(screen.queryByTestId("prompt-help")).toBeNull();
  });

  it("lets the suggestion be edited before it is accepted, or discarded", async () => {
    setup();
    await fireEvent.click(button("help-improve"));
    answer.resolve(help({ usd: 0.00012 }));
    await flush();
    await flush();
    expect(screen.getByTestId("help-usage").textContent).toContain("$0.0001");
    await fireEvent.click(button("help-edit-toggle"));
    const edit = screen.getByTestId("help-edit") as HTMLTextAreaElement;
    await fireEvent.input(edit, { target: { value: "My own words" } });
    await fireEvent.click(button("help-accept"));
    expect(settings.prompt).toBe("My own words");

    answer = deferred<Help>();
    await fireEvent.click(button("help-improve"));
    answer.resolve(help());
    await flush();
    await fireEvent.click(button("help-discard"));
    expect(settings.prompt).toBe("My own words");
  });

  it("says why it failed, in the person's language", async () => {
    setup();
    await fireEvent.click(button("help-improve"));
    answer.reject({
      kind: "refused",
      message: "The text model declined to answer. Reword the text, or choose another model",
      messageZh: "文本模型拒绝回答。请换个说法，或选择其他模型",
    });
    await flush();
    await flush();
    expect(screen.getByTestId("help-error").textContent).toContain("declined");
    expect(button("help-accept").disabled).toBe(true);
    settings.lang = "zh";
    await flush();
    expect(screen.getByTestId("help-error").textContent).toContain("拒绝回答");
  });

  it("shows a storyboard's shots, editable, with what each continues", async () => {
    const ipc = setup();
    settings.prompt = "a paper boat's journey to the sea, 3 shots";
    await fireEvent.click(button("help-shots"));
    expect(ipc.calls.find((c) => c.cmd === "prompt_help")?.args.request).toMatchObject({
      action: "shots",
    });
    answer.resolve(
      help({
        action: "shots",
        shots: [
          { prompt: "A boat in a gutter", continuesFrom: null },
          { prompt: "The boat drops into a drain", continuesFrom: 0 },
        ],
      } as Partial<Help>),
    );
    await flush();
    await flush();
    const shots = screen.getAllByTestId("help-shot");
    expect(shots).toHaveLength(2);
    expect(shots[0].textContent).toContain("New moment");
    expect(shots[1].textContent).toContain("Continues from shot 1");
    expect(promptHelp.shotsText((n) => `continues from shot ${n}`)).toBe(
      "1. A boat in a gutter\n\n2. The boat drops into a drain (continues from shot 1)",
    );
  });

  it("waits for a gateway and for text, and says so", async () => {
    setup(false);
    expect(button("help-improve").disabled).toBe(true);
    expect(button("help-improve").title).toContain("Set up a gateway");
    app.info = appInfo({ ready: true });
    settings.prompt = "  ";
    await flush();
    expect(button("help-translate").disabled).toBe(true);
    expect(button("help-translate").title).toContain("Write a prompt");
  });
});
