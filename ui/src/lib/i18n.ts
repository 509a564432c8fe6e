// English and Simplified Chinese strings. `translate` is pure; the current language lives in the
// settings store. Placeholders are `{name}`.

export type Lang = "en" | "zh";

const en = {
  appTagline: "Video from a prompt and frames, with Veo 3.1",
  demoBanner: "Offline demo: videos come from a local test gateway",
  noKeyBanner: "No API key is set. Start Framecast with FRAMECAST_API_KEY to generate.",
  langToggle: "中文",
  langToggleLabel: "切换到中文",
  themeSystem: "System",
  themeLight: "Light",
  themeDark: "Dark",
  themeLabel: "Theme: {theme}. Click to change.",

  prompt: "Prompt",
  promptPlaceholder:
    "Describe the shot: subject, action, camera, light, sound…\ne.g. A paper boat drifts down a rain-soaked street at dusk, slow dolly, neon reflections",
  promptCount: "{n} characters",
  promptCountOne: "1 character",
  promptCountOver: "{n} / {max} characters",
  toGenerate: "to generate",

  frames: "Frames",
  framesOptional: "optional",
  slotStart: "Start frame",
  slotEnd: "End frame",
  slotEmpty: "Drop, paste or click to choose",
  slotEmptyEndHint: "Needs a start frame",
  slotPreparing: "Preparing…",
  slotBrowsing: "Choosing a file…",
  slotDropHere: "Drop to use as {slot}",
  slotClear: "Remove {slot}",
  slotReplace: "Replace {slot}",
  slotDismiss: "Dismiss",
  slotRefused: "Couldn’t use this image",
  slotKeeping: "The previous image is kept.",
  swapFrames: "Swap start and end",
  framesHint: "Drop two images to fill both. Paste with {key}+V.",

  actRotated: "rotated (EXIF {n})",
  actRotatedPlain: "rotated",
  actResized: "resized from {w}×{h}",
  actCropped: "cropped",
  actConverted: "converted from {format}",
  actFlattened: "transparency flattened",
  actReencoded: "re-encoded",
  actSentAsIs: "sent as is",

  warnOrientation:
    "This image is {shape}, the model makes {orientation} video: Veo will crop or pad it.",
  warnPairAspect: "Start and end frames differ in shape ({a} vs {b}).",
  warnPairSize: "Start and end frames differ in size ({a} vs {b}).",
  shapeLandscape: "landscape",
  shapePortrait: "portrait",
  shapeSquare: "square",

  model: "Model",
  orientation: "Orientation",
  portrait: "Portrait",
  landscape: "Landscape",
  ratioPortrait: "9:16",
  ratioLandscape: "16:9",
  speed: "Speed",
  standard: "Standard",
  fast: "Fast",
  modelName: "Model name",
  modelNameAuto: "Chosen from the options above",
  modelNameAutoFl: "Frames-to-video (-fl) because a start frame is set",
  modelNameCustom: "Edited by hand; the options above no longer change it",
  modelReset: "Reset",
  modelResetLabel: "Reset the model name to {name}",
  autoOrientation: "Switched to {orientation} to match the start frame.",
  suggestOrientation: "The start frame is {shape}.",
  suggestUse: "Use {orientation}",

  count: "Videos",
  countLabel: "{n} videos",
  countLabelOne: "1 video",

  generate: "Generate",
  generateOne: "Generate 1 video",
  generateMany: "Generate {n} videos",
  estCost: "est. {cost}",
  estCostTitle:
    "Estimated: {price} per delivered video; you are charged only for videos that arrive.",
  reasonLoading: "Starting up…",
  reasonNoInfo: "Framecast’s backend did not answer; restart the app.",
  reasonNoKey: "No API key is configured.",
  reasonNoInput: "Write a prompt or add a start frame.",
  reasonEndWithoutStart: "An end frame needs a start frame.",
  reasonPreparing: "Wait for the {slot} to finish preparing.",
  reasonRefused: "The {slot} was refused: dismiss the error or choose another image.",
  reasonModelEmpty: "Enter a model name.",
  reasonModelSpaces: "The model name may not contain spaces.",
  reasonModelLong: "The model name is too long.",
  reasonPromptLong: "The prompt is longer than {max} characters.",
  slotStartLower: "start frame",
  slotEndLower: "end frame",

  jobs: "Jobs",
  jobsRunning: "{n} running",
  titleRunning: "Framecast — {n} running",
  emptyTitle: "Your videos will appear here",
  emptyBody:
    "Write a prompt, optionally add a start and end frame, and press Generate. Jobs run side by side, and every delivered video is saved at once.",
  emptyTip1: "Drop images onto the frame slots",
  emptyTip2: "{key}+Enter generates",
  emptyTip3: "Several jobs can run at the same time",

  phasePreparing: "Preparing",
  phaseSending: "Sending",
  phaseQueued: "Queued",
  phaseGenerating: "Generating",
  phaseDownloading: "Downloading",
  phaseDone: "Done",
  phaseFailed: "Failed",
  phaseCancelled: "Cancelled",
  cancelledNote: "Stopped at your request; the connection is closed.",
  phaseInterrupted: "Interrupted",
  interruptedNote:
    "Framecast stopped before the gateway finished. What arrived is kept; the request was not sent again.",
  cancelledSaving: "Stopped at your request; delivered videos are still being saved.",
  elsewhere: "Running elsewhere",
  elsewhereNote: "Another Framecast (the command line, say) is running this job.",
  discard: "Discard unfinished",
  discardTitle: "Stop saving the videos still downloading and forget them",
  discardAsk: "Discard {n} unfinished downloads? They are paid for.",
  discardAskOne: "Discard 1 unfinished download? It is paid for.",
  discardYes: "Discard",
  discardNo: "Keep",
  videoDiscarded: "Discarded; the link is kept.",
  retried: "Started again ↑",
  generateStarted: "Started",
  quitTitle: "Quit Framecast?",
  quitGenerating:
    "{n} jobs are still generating: quitting ends their streams. The gateway may still finish and charge for them; what has arrived is kept.",
  quitGeneratingOne:
    "1 job is still generating: quitting ends its stream. The gateway may still finish and charge for it; what has arrived is kept.",
  quitDownloading:
    "{n} paid videos are still downloading: they continue the next time Framecast starts.",
  quitDownloadingOne:
    "1 paid video is still downloading: it continues the next time Framecast starts.",
  quitNow: "Quit now",
  quitWhenDone: "Quit when done",
  quitStay: "Keep working",
  quitPending: "Framecast will quit when the running jobs finish.",
  quitPendingCancel: "Stay open",
  phasePartial: "Partly done",
  cancel: "Cancel",
  cancelLabel: "Cancel this job",
  waitingFirstWords: "Waiting for the gateway…",
  savingToLibrary: "Saving to your library…",
  savingStart: "Saving…",
  noPrompt: "(no prompt)",
  framesUsed: "start frame",
  framesUsedBoth: "start and end frames",
  partial: "{delivered} of {requested} videos arrived.",
  videoFailedN: "Video {n} failed: {reason}",
  noVideoDelivered: "The gateway finished without delivering a video.",
  retry: "Try again · {cost}",
  retryMore: "Make {n} more · {cost}",
  retryTitle: "Starts a new job that is charged again (estimated {cost}).",
  copyDetails: "Copy details",
  copied: "Copied",
  detailsCopied: "Details copied",
  saveAll: "Save all",
  saveAllLabel: "Save all videos of this job to a folder",
  dismiss: "Remove card",
  dismissLabel: "Remove this card (saved videos stay in the library)",

  videoN: "Video {n}",
  videoWaiting: "Waiting for video {n}",
  videoFailed: "Video {n} failed",
  videoCancelled: "Not delivered",
  saving: "Saving {percent}",
  savingBytes: "Saving {bytes}",
  savedLocal: "Saved",
  notSaved: "Not saved: {reason}",
  save: "Save…",
  saveLabel: "Save video {n} as…",
  reveal: "Show in folder",
  revealLabel: "Show video {n} in the file manager",
  copyLink: "Copy link",
  copyLinkLabel: "Copy the link of video {n}",
  linkCopied: "Link copied",
  savedTo: "Saved to {path}",
  savedAllTo: "Saved to {path}",
  elapsed: "Elapsed",
  close: "Close",

  about: "About",
  aboutLabel: "About Framecast",
  aboutVersion: "Version {version}",
  aboutLicence: "Framecast is free software under the MIT License.",
  aboutCopyright: "© 2026 The Framecast developers",
  aboutVideos: "Videos are saved in",
  aboutLibrary: "The library is in",
  aboutThirdParty: "Third-party licences",
  aboutThirdPartyNote:
    "Framecast is built on open-source packages. Their licences, as they ship in this build:",
  aboutShowLicences: "Show the licences",
  aboutLoading: "Loading…",
} as const;

export type Key = keyof typeof en;

const zh: Record<Key, string> = {
  appTagline: "用提示词和图片生成视频 · Veo 3.1",
  demoBanner: "离线演示：视频来自本地测试网关",
  noKeyBanner: "未设置 API 密钥。请通过 FRAMECAST_API_KEY 启动 Framecast 以生成视频。",
  langToggle: "EN",
  langToggleLabel: "Switch to English",
  themeSystem: "跟随系统",
  themeLight: "浅色",
  themeDark: "深色",
  themeLabel: "主题：{theme}。点击切换。",

  prompt: "提示词",
  promptPlaceholder:
    "描述镜头：主体、动作、运镜、光线、声音……\n例如：黄昏时分，一只纸船顺着被雨水浸湿的街道漂流，缓慢推镜，霓虹倒影",
  promptCount: "{n} 个字符",
  promptCountOne: "1 个字符",
  promptCountOver: "{n} / {max} 个字符",
  toGenerate: "生成",

  frames: "画面",
  framesOptional: "可选",
  slotStart: "首帧",
  slotEnd: "尾帧",
  slotEmpty: "拖入、粘贴或点击选择",
  slotEmptyEndHint: "需要先有首帧",
  slotPreparing: "正在处理……",
  slotBrowsing: "正在选择文件……",
  slotDropHere: "松开以用作{slot}",
  slotClear: "移除{slot}",
  slotReplace: "替换{slot}",
  slotDismiss: "知道了",
  slotRefused: "无法使用此图片",
  slotKeeping: "已保留之前的图片。",
  swapFrames: "交换首帧和尾帧",
  framesHint: "同时拖入两张图片可填满两个位置。按 {key}+V 粘贴。",

  actRotated: "已旋转（EXIF {n}）",
  actRotatedPlain: "已旋转",
  actResized: "已从 {w}×{h} 缩小",
  actCropped: "已裁剪",
  actConverted: "已从 {format} 转换",
  actFlattened: "已去除透明",
  actReencoded: "已重新编码",
  actSentAsIs: "原样发送",

  warnOrientation: "此图片为{shape}，而模型生成{orientation}视频：Veo 会裁剪或填充。",
  warnPairAspect: "首帧和尾帧的比例不同（{a} 与 {b}）。",
  warnPairSize: "首帧和尾帧的尺寸不同（{a} 与 {b}）。",
  shapeLandscape: "横向",
  shapePortrait: "竖向",
  shapeSquare: "方形",

  model: "模型",
  orientation: "方向",
  portrait: "竖屏",
  landscape: "横屏",
  ratioPortrait: "9:16",
  ratioLandscape: "16:9",
  speed: "速度",
  standard: "标准",
  fast: "快速",
  modelName: "模型名称",
  modelNameAuto: "由上方选项决定",
  modelNameAutoFl: "已设首帧，因此使用图生视频（-fl）",
  modelNameCustom: "已手动修改；上方选项不再改变它",
  modelReset: "重置",
  modelResetLabel: "将模型名称重置为 {name}",
  autoOrientation: "已切换为{orientation}，与首帧一致。",
  suggestOrientation: "首帧为{shape}。",
  suggestUse: "改用{orientation}",

  count: "数量",
  countLabel: "{n} 个视频",
  countLabelOne: "1 个视频",

  generate: "生成",
  generateOne: "生成 1 个视频",
  generateMany: "生成 {n} 个视频",
  estCost: "约 {cost}",
  estCostTitle: "估算：每个交付的视频 {price}；只对实际收到的视频计费。",
  reasonLoading: "正在启动……",
  reasonNoInfo: "Framecast 后端没有响应；请重启应用。",
  reasonNoKey: "未配置 API 密钥。",
  reasonNoInput: "请输入提示词或添加首帧。",
  reasonEndWithoutStart: "尾帧需要搭配首帧。",
  reasonPreparing: "请等待{slot}处理完成。",
  reasonRefused: "{slot}未被接受：请关闭错误提示或换一张图片。",
  reasonModelEmpty: "请输入模型名称。",
  reasonModelSpaces: "模型名称不能包含空格。",
  reasonModelLong: "模型名称过长。",
  reasonPromptLong: "提示词超过 {max} 个字符。",
  slotStartLower: "首帧",
  slotEndLower: "尾帧",

  jobs: "任务",
  jobsRunning: "{n} 个进行中",
  titleRunning: "Framecast — {n} 个进行中",
  emptyTitle: "生成的视频会显示在这里",
  emptyBody:
    "输入提示词，可选添加首帧和尾帧，然后点击生成。多个任务可同时进行，每个交付的视频都会立即保存。",
  emptyTip1: "把图片拖到画面位置上",
  emptyTip2: "{key}+Enter 生成",
  emptyTip3: "可同时运行多个任务",

  phasePreparing: "准备中",
  phaseSending: "发送中",
  phaseQueued: "排队中",
  phaseGenerating: "生成中",
  phaseDownloading: "下载中",
  phaseDone: "完成",
  phaseFailed: "失败",
  phaseCancelled: "已取消",
  cancelledNote: "已按你的要求停止，连接已关闭。",
  phaseInterrupted: "已中断",
  interruptedNote: "网关完成之前 Framecast 已停止。已收到的内容都已保留；请求没有被重新发送。",
  cancelledSaving: "已按你的要求停止；已生成的视频仍在保存。",
  elsewhere: "在别处运行",
  elsewhereNote: "另一个 Framecast（例如命令行）正在运行此任务。",
  discard: "丢弃未完成的下载",
  discardTitle: "停止保存仍在下载的视频并忽略它们",
  discardAsk: "丢弃 {n} 个未完成的下载？这些视频已计费。",
  discardAskOne: "丢弃 1 个未完成的下载？该视频已计费。",
  discardYes: "丢弃",
  discardNo: "保留",
  videoDiscarded: "已丢弃；链接已保留。",
  retried: "已重新开始 ↑",
  generateStarted: "已开始",
  quitTitle: "退出 Framecast？",
  quitGenerating:
    "{n} 个任务仍在生成：退出会中断其数据流。网关仍可能完成并计费；已收到的内容都已保留。",
  quitGeneratingOne:
    "1 个任务仍在生成：退出会中断其数据流。网关仍可能完成并计费；已收到的内容都已保留。",
  quitDownloading: "{n} 个已计费的视频仍在下载：下次启动 Framecast 时会继续。",
  quitDownloadingOne: "1 个已计费的视频仍在下载：下次启动 Framecast 时会继续。",
  quitNow: "立即退出",
  quitWhenDone: "完成后退出",
  quitStay: "继续使用",
  quitPending: "正在运行的任务完成后，Framecast 将退出。",
  quitPendingCancel: "保持打开",
  phasePartial: "部分完成",
  cancel: "取消",
  cancelLabel: "取消此任务",
  waitingFirstWords: "等待网关响应……",
  savingToLibrary: "正在保存到视频库……",
  savingStart: "正在保存……",
  noPrompt: "（无提示词）",
  framesUsed: "首帧",
  framesUsedBoth: "首帧和尾帧",
  partial: "已收到 {delivered} / {requested} 个视频。",
  videoFailedN: "视频 {n} 失败：{reason}",
  noVideoDelivered: "网关已结束，但没有交付视频。",
  retry: "重试 · {cost}",
  retryMore: "再生成 {n} 个 · {cost}",
  retryTitle: "将开始一个新任务并再次计费（约 {cost}）。",
  copyDetails: "复制详情",
  copied: "已复制",
  detailsCopied: "详情已复制",
  saveAll: "全部保存",
  saveAllLabel: "将此任务的所有视频保存到文件夹",
  dismiss: "移除卡片",
  dismissLabel: "移除此卡片（已保存的视频仍在视频库中）",

  videoN: "视频 {n}",
  videoWaiting: "等待视频 {n}",
  videoFailed: "视频 {n} 失败",
  videoCancelled: "未交付",
  saving: "正在保存 {percent}",
  savingBytes: "正在保存 {bytes}",
  savedLocal: "已保存",
  notSaved: "未保存：{reason}",
  save: "另存为…",
  saveLabel: "将视频 {n} 另存为…",
  reveal: "在文件夹中显示",
  revealLabel: "在文件管理器中显示视频 {n}",
  copyLink: "复制链接",
  copyLinkLabel: "复制视频 {n} 的链接",
  linkCopied: "链接已复制",
  savedTo: "已保存到 {path}",
  savedAllTo: "已保存到 {path}",
  elapsed: "用时",
  close: "关闭",

  about: "关于",
  aboutLabel: "关于 Framecast",
  aboutVersion: "版本 {version}",
  aboutLicence: "Framecast 是以 MIT 许可证发布的自由软件。",
  aboutCopyright: "© 2026 Framecast 开发者",
  aboutVideos: "视频保存在",
  aboutLibrary: "视频库位于",
  aboutThirdParty: "第三方许可证",
  aboutThirdPartyNote: "Framecast 使用了开源软件包。以下是本版本所含软件包的许可证：",
  aboutShowLicences: "显示许可证",
  aboutLoading: "正在加载……",
};

const tables: Record<Lang, Record<Key, string>> = { en, zh };

export type Params = Record<string, string | number>;

/** Every string's key (for tests). */
export const KEYS = Object.keys(en) as Key[];

export function translate(lang: Lang, key: Key, params?: Params): string {
  const text = tables[lang][key] ?? en[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The string for a count of `n`: `key`, or its `…One` form where one needs its own words. */
export function countKey(key: Key, n: number): Key {
  const one = `${key}One`;
  return n === 1 && one in en ? (one as Key) : key;
}

/** The UI language a browser locale suggests: Chinese for any `zh*`, otherwise English. */
export function langFromLocale(locale: string | undefined): Lang {
  return locale?.toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** An engine message in the UI language. */
export function localMessage(lang: Lang, report: { message: string; messageZh: string }): string {
  return lang === "zh" && report.messageZh ? report.messageZh : report.message;
}

/** Bytes for people: 412 KB, 3.1 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** Elapsed time: 0:07, 3:42, 1:02:03. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}
