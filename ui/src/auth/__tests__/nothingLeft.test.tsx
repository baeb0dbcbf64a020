// Nothing of the user is left in the webview: the reducer drops the user on SIGNED_OUT, and the
// UI never writes auth state to localStorage, sessionStorage, IndexedDB, cookies or caches.
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { AuthProvider } from "../AuthProvider";
import { authReducer, initialAuthState, type AuthAction, type AuthState } from "../reducer";
import { EXPIRED, FakeCore, SIGNED_IN, signedOut } from "../../test/fakeCore";
import type { SignedOutReason } from "../types";

const EMAIL = SIGNED_IN.user.email;
const USER_ID = SIGNED_IN.user.id;
const byId = (id: string) => document.getElementById(id);

function run(actions: AuthAction[], from: AuthState = initialAuthState): AuthState {
  return actions.reduce(authReducer, from);
}

describe("reducer: initial state and sign-out", () => {
  it("starts neutral: initializing, no user, nothing pending, no error", () => {
    expect(initialAuthState.view).toEqual({ status: "initializing" });
    expect(initialAuthState.lastSeq).toBeNull();
    expect(initialAuthState.pending).toBeNull();
    expect(initialAuthState.error).toBeNull();
  });

  const busySession: AuthAction[] = [
    { type: "snapshot", seq: 1, state: SIGNED_IN },
    {
      type: "event",
      payload: {
        seq: 2,
        event: "REFRESH_RETRYING",
        state: { ...SIGNED_IN, freshness: "offline_valid" },
        retry: { attempt: 2, nextAt: 1764300100, cause: "server_unreachable" },
      },
    },
    { type: "event", payload: { seq: 3, event: "SESSION_EXPIRING", state: EXPIRED, remaining: 300 } },
    { type: "event", payload: { seq: 4, event: "PASSWORD_RECOVERY", state: EXPIRED } },
    { type: "action_started", action: "update_password" },
  ];

  const reasons: SignedOutReason[] = ["user", "timeout", "idle_timeout", "revoked", "storage_unavailable", "storage_corrupt"];
  it.each(reasons)("SIGNED_OUT (%s) keeps nothing of the user", (reason) => {
    const before = run(busySession);
    expect(JSON.stringify(before)).toContain(EMAIL);
    const after = run([{ type: "event", payload: { seq: 5, event: "SIGNED_OUT", state: signedOut(reason), reason } }], before);
    const kept = JSON.stringify(after);
    expect(kept).not.toContain(EMAIL);
    expect(kept).not.toContain(USER_ID);
    expect(after.view).toEqual({ status: "signed_out", reason });
    expect(after.retry).toBeNull();
    expect(after.expiring).toBeNull();
    expect(after.recovery).toBe(false);
  });

  it("a stale signed-in event after SIGNED_OUT cannot bring the user back", () => {
    const out = run([
      { type: "snapshot", seq: 1, state: SIGNED_IN },
      { type: "event", payload: { seq: 2, event: "SIGNED_OUT", state: signedOut("user") } },
      { type: "event", payload: { seq: 1, event: "TOKEN_REFRESHED", state: SIGNED_IN } },
    ]);
    expect(JSON.stringify(out)).not.toContain(EMAIL);
  });
});

/** Fails the test if any web storage is touched. jsdom has no IndexedDB or Cache API: install traps. */
function trapStorage() {
  const setItem = vi.spyOn(Storage.prototype, "setItem");
  const cookie = vi.spyOn(document, "cookie", "set");
  const idbOpen = vi.fn();
  const cachesOpen = vi.fn();
  vi.stubGlobal("indexedDB", { open: idbOpen, deleteDatabase: vi.fn(), databases: vi.fn(async () => []) });
  vi.stubGlobal("caches", { open: cachesOpen, keys: vi.fn(async () => []) });
  return { setItem, cookie, idbOpen, cachesOpen };
}

describe("the UI never stores auth state in the webview", () => {
  beforeEach(() => {
    localStorage.clear();
    sessionStorage.clear();
  });
  afterEach(() => vi.unstubAllGlobals());

  it("through sign-in, a refresh, the activity tab and sign-out: no storage, cookie, IndexedDB or cache write", async () => {
    const traps = trapStorage();
    const core = new FakeCore({ seq: 1, state: signedOut(null) });
    core.on("sign_in_with_password", () => {
      core.emitAuthState({ seq: 2, event: "SIGNED_IN", state: SIGNED_IN });
      return null;
    });
    render(
      <AuthProvider>
        <App />
      </AuthProvider>,
    );
    await screen.findByRole("heading", { name: "Sign in to Latchkey" });
    await waitFor(() => expect(byId("sign-in-options-loading")).toBeNull());
    fireEvent.change(byId("email")!, { target: { value: EMAIL } });
    fireEvent.change(byId("password")!, { target: { value: "correct horse" } });
    fireEvent.click(byId("sign-in")!);
    await screen.findByRole("heading", { name: `Signed in as ${EMAIL}` });

    act(() => core.emitAuthState({ seq: 3, event: "TOKEN_REFRESHED", state: SIGNED_IN }));
    fireEvent.click(screen.getByRole("tab", { name: "Activity" }));
    await screen.findByText("Session renewed");

    fireEvent.click(screen.getByRole("tab", { name: "Session" }));
    fireEvent.click(byId("sign-out")!);
    await waitFor(() => expect(core.callsOf("sign_out")).toHaveLength(1));
    act(() => core.emitAuthState({ seq: 4, event: "SIGNED_OUT", state: signedOut("user") }));
    await screen.findByRole("heading", { name: "Sign in to Latchkey" });

    expect(traps.setItem).not.toHaveBeenCalled();
    expect(traps.cookie).not.toHaveBeenCalled();
    expect(traps.idbOpen).not.toHaveBeenCalled();
    expect(traps.cachesOpen).not.toHaveBeenCalled();
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
    expect(document.cookie).toBe("");

    // The signed-out screen starts empty: no email in the form, nowhere in the page.
    expect((byId("email") as HTMLInputElement).value).toBe("");
    expect(document.body.innerHTML).not.toContain(EMAIL);
  });

  it("no UI source file uses web storage, cookies, IndexedDB or the Cache API", () => {
    const sources = import.meta.glob(["../../**/*.{ts,tsx}", "!../../**/__tests__/**", "!../../test/**"], {
      query: "?raw",
      import: "default",
      eager: true,
    }) as Record<string, string>;
    expect(Object.keys(sources).length).toBeGreaterThan(10);
    const storage = /\b(localStorage|sessionStorage|indexedDB|document\.cookie|cookieStore|caches\.open)\b/;
    const users = Object.entries(sources)
      .filter(([, text]) => storage.test(text))
      .map(([file]) => file);
    expect(users).toEqual([]);
  });
});
