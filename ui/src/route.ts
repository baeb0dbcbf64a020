// Which view a window shows. The main window loads `index.html`; the activity window
// (opened by the `open_activity_window` command) loads `index.html#/activity`.

export type WindowView = "main" | "activity";

export const ACTIVITY_HASH = "#/activity";

export function viewFromHash(hash: string): WindowView {
  return hash === ACTIVITY_HASH ? "activity" : "main";
}
