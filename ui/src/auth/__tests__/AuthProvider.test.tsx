// The auth provider: startup and the snapshot, ordering by seq, sign-in and sign-out, and a sign-in refused in the
// browser. Its event subscriptions' lifecycle is in subscriptions.test.tsx.
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FakeCore, SIGNED_IN, deferred, signedOut } from "../../test/fakeCore";
import { byId, homeScreen, renderApp, signInScreen } from "../../test/screen";
import type { AuthEventPayload } from "../types";

function fillAndSubmit(email: string, password: string) {
  fireEvent.change(byId("email")!, { target: { value: email } });
  fireEvent.change(byId("password")!, { target: { value: password } });
  fireEvent.click(byId("sign-in")!);
}

describe("AuthProvider: startup", () => {
  it("shows the loading text while the core is initializing", async () => {
    new FakeCore({ seq: 0, state: { status: "initializing" } });
    renderApp();
    expect(screen.getByText("Restoring your session…")).toBeTruthy();
    // Still loading after the snapshot (which says "initializing") has been applied.
    await waitFor(() => expect(screen.getByText("Restoring your session…")).toBeTruthy());
  });

  it("subscribes to auth://state first and only then asks for the snapshot", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    const gate = deferred<void>();
    core.listenGate = gate.promise;
    renderApp();

    await waitFor(() => expect(core.callsOf("plugin:event|listen")).toHaveLength(2));
    expect(core.callsOf("plugin:event|listen")[0].args.event).toBe("auth://state");
    expect(core.callsOf("plugin:event|listen")[1].args.event).toBe("auth://flow-error");
    // The listener is not registered yet, so no snapshot has been requested.
    expect(core.callsOf("get_auth_state")).toHaveLength(0);

    await act(async () => gate.resolve());
    await homeScreen();
    const cmds = core.calls.map((c) => c.cmd);
    expect(cmds.slice(0, 3)).toEqual(["plugin:event|listen", "plugin:event|listen", "get_auth_state"]);
    expect(core.callsOf("get_auth_state")).toHaveLength(1);
  });

  it("asks for the snapshot only once auth://flow-error is subscribed too (the core holds a launch link until then)", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    const flowGate = deferred<void>();
    core.eventGates.set("auth://flow-error", flowGate.promise);
    renderApp();

    await waitFor(() => expect(core.activeListeners("auth://state")).toBe(1));
    expect(core.callsOf("get_auth_state")).toHaveLength(0);
    await act(async () => flowGate.resolve());
    await homeScreen();
    expect(core.callsOf("get_auth_state")).toHaveLength(1);
  });

  it("applies the snapshot: signed-in home with user and times", async () => {
    new FakeCore({ seq: 1, state: SIGNED_IN });
    renderApp();
    const heading = await screen.findByRole("heading", { name: /Signed in as/ });
    expect(heading.id).toBe("signed-in-user");
    expect(heading.textContent).toBe("Signed in as demo@latchkey.local");

    const expires = byId("access-expires-at")!.querySelector("time")!;
    expect(expires.getAttribute("datetime")).toBe(new Date(1764300000 * 1000).toISOString());
    expect(expires.textContent).not.toBe("");
    const signedInAt = byId("signed-in-at")!.querySelector("time")!;
    expect(signedInAt.getAttribute("datetime")).toBe(new Date(1764290000 * 1000).toISOString());
    expect(screen.getByText("Access token expires")).toBeTruthy();
    expect(screen.getByText("Signed in at")).toBeTruthy();
    expect(byId("sign-out")!.textContent).toBe("Sign out");
    expect(byId("memory-only")).toBeNull();
  });

  it("says so when the session is kept in memory only", async () => {
    new FakeCore({ seq: 1, state: { ...SIGNED_IN, persistence: "memory_only" } });
    renderApp();
    await homeScreen();
    expect(byId("memory-only")!.textContent).toContain("kept in memory only");
  });

  it("applies a snapshot of a never-signed-in user without a notice", async () => {
    new FakeCore({ seq: 1, state: signedOut(null) });
    renderApp();
    await signInScreen();
    expect(byId("signed-out-reason")).toBeNull();
    expect(byId("auth-error")).toBeNull();
    expect(byId("sign-in")!.textContent).toBe("Sign in");
  });

  it("shows an error and retries when get_auth_state fails", async () => {
    let fail = true;
    const core = new FakeCore(() => {
      if (fail) throw { code: "keychain_locked", message: "Secret Service is locked" };
      return { seq: 1, state: signedOut("storage_unavailable") };
    });
    renderApp();
    const alert = await screen.findByRole("alert");
    expect(alert.id).toBe("auth-error");
    expect(alert.textContent).toContain("Your system keychain is not available or is locked");

    fail = false;
    fireEvent.click(byId("retry")!);
    await signInScreen();
    expect(byId("signed-out-reason")!.textContent).toBe(
      "Latchkey couldn't read your saved session from the system keychain.",
    );
    expect(core.callsOf("get_auth_state")).toHaveLength(2);
  });
});

describe("AuthProvider: ordering by seq", () => {
  it("ignores an event whose seq is older than the snapshot's", async () => {
    const core = new FakeCore({ seq: 5, state: SIGNED_IN });
    renderApp();
    await homeScreen();

    act(() =>
      core.emitAuthState({ seq: 4, event: "SIGNED_OUT", state: signedOut("revoked") }),
    );
    act(() =>
      core.emitAuthState({ seq: 5, event: "SIGNED_OUT", state: signedOut("revoked") }),
    );
    expect(byId("signed-in-user")!.textContent).toBe("Signed in as demo@latchkey.local");

    act(() =>
      core.emitAuthState({ seq: 6, event: "SIGNED_OUT", state: signedOut("revoked") }),
    );
    await signInScreen();
    expect(byId("signed-out-reason")!.textContent).toBe(
      "You were signed out because this session was ended elsewhere.",
    );
  });

  it("ignores a snapshot that is older than an event that arrived first", async () => {
    const snapshot = deferred<unknown>();
    const core = new FakeCore(() => snapshot.promise);
    renderApp();
    await waitFor(() => expect(core.callsOf("get_auth_state")).toHaveLength(1));

    act(() => core.emitAuthState({ seq: 3, event: "SIGNED_IN", state: SIGNED_IN }));
    await homeScreen();

    await act(async () => snapshot.resolve({ seq: 2, state: signedOut(null) }));
    expect(byId("signed-in-user")!.textContent).toBe("Signed in as demo@latchkey.local");
  });

  it("updates the details on TOKEN_REFRESHED", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    renderApp();
    await homeScreen();
    const refreshed = { ...SIGNED_IN, accessExpiresAt: 1764303600 } as AuthEventPayload["state"];
    act(() => core.emitAuthState({ seq: 2, event: "TOKEN_REFRESHED", state: refreshed }));
    await waitFor(() =>
      expect(byId("access-expires-at")!.querySelector("time")!.getAttribute("datetime")).toBe(
        new Date(1764303600 * 1000).toISOString(),
      ),
    );
  });
});

describe("AuthProvider: sign in and sign out", () => {
  it("calls sign_in_with_password with {email, password}, shows pending, then the home", async () => {
    const reply = deferred<null>();
    const core = new FakeCore({ seq: 1, state: signedOut(null) });
    core.on("sign_in_with_password", () => reply.promise);
    renderApp();
    await signInScreen();

    fillAndSubmit("demo@latchkey.local", "correct horse");
    await waitFor(() => expect(core.callsOf("sign_in_with_password")).toHaveLength(1));
    expect(core.callsOf("sign_in_with_password")[0].args).toEqual({
      email: "demo@latchkey.local",
      password: "correct horse",
    });

    const button = byId("sign-in") as HTMLButtonElement;
    await waitFor(() => expect(button.textContent).toBe("Signing in…"));
    expect(button.disabled).toBe(true);

    // A second submit while pending does not call the core again.
    fireEvent.submit(button.form!);
    expect(core.callsOf("sign_in_with_password")).toHaveLength(1);

    // The core emits the new state, then the command resolves with null.
    act(() => core.emitAuthState({ seq: 2, event: "SIGNED_IN", state: SIGNED_IN }));
    await act(async () => reply.resolve(null));
    expect((await screen.findByRole("heading", { name: /Signed in as/ })).textContent).toBe(
      "Signed in as demo@latchkey.local",
    );
  });

  it("renders the friendly message for invalid_credentials in #auth-error", async () => {
    const core = new FakeCore({ seq: 1, state: signedOut(null) });
    core.on("sign_in_with_password", () => {
      throw { code: "invalid_credentials", message: "Invalid login credentials" };
    });
    renderApp();
    await signInScreen();

    fillAndSubmit("demo@latchkey.local", "wrong");
    const alert = await screen.findByRole("alert");
    expect(alert.id).toBe("auth-error");
    expect(alert.textContent).toBe("The email or password is not correct.");

    const button = byId("sign-in") as HTMLButtonElement;
    expect(button.disabled).toBe(false);
    expect(button.textContent).toBe("Sign in");
  });

  it("falls back to the server message for an unmapped code, and clears it on retry", async () => {
    const core = new FakeCore({ seq: 1, state: signedOut(null) });
    const second = deferred<null>();
    let attempt = 0;
    core.on("sign_in_with_password", () => {
      attempt += 1;
      if (attempt === 1) throw { code: "rate_limited", message: "Too many attempts, wait a minute." };
      return second.promise;
    });
    renderApp();
    await signInScreen();

    fillAndSubmit("demo@latchkey.local", "pw");
    expect((await screen.findByRole("alert")).textContent).toBe("Too many attempts, wait a minute.");

    fireEvent.click(byId("sign-in")!);
    await waitFor(() => expect(byId("auth-error")).toBeNull());
    await act(async () => second.resolve(null));
  });

  it("signs out via sign_out and shows 'You signed out.'", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    renderApp();
    await homeScreen();

    fireEvent.click(byId("sign-out")!);
    await waitFor(() => expect(core.callsOf("sign_out")).toHaveLength(1));
    expect(core.callsOf("sign_out")[0].args).toEqual({ scope: "local" });
    act(() => core.emitAuthState({ seq: 2, event: "SIGNED_OUT", state: signedOut("user") }));
    await signInScreen();
    expect(byId("signed-out-reason")!.textContent).toBe("You signed out.");
  });
});

describe("AuthProvider: a sign-in refused in the browser", () => {
  it("says so in our own words, with the server's text only quoted beneath", async () => {
    const core = new FakeCore({ seq: 1, state: signedOut(null) });
    renderApp();
    await signInScreen();
    const detail = "Call 0800 123 to restore your account";
    act(() =>
      core.emitFlowError({
        code: "unexpected_failure", // an identity provider's error GoTrue passes on (access_denied has words of its own)
        message: "the sign-in was refused by the server or the identity provider",
        detail,
      }),
    );
    const notice = await waitFor(() => byId("auth-error")!);
    const quoted = notice.querySelector("q");
    expect(quoted?.textContent).toBe(detail);
    expect(notice.firstChild?.textContent).toBe(
      "The sign-in didn't complete: the server or your identity provider refused it.",
    );
    expect(notice.textContent).toBe(
      `The sign-in didn't complete: the server or your identity provider refused it.It said: ${detail}`,
    );
  });

  it("shows no detail for a refusal that carries none, and never a malformed one", async () => {
    const core = new FakeCore({ seq: 1, state: signedOut(null) });
    renderApp();
    await signInScreen();
    act(() => core.emitFlowError({ code: "invalid_state", message: "x", detail: 42 }));
    const notice = await waitFor(() => byId("auth-error")!);
    expect(notice.querySelector("q")).toBeNull();
    expect(notice.textContent).toBe("That sign-in link isn't valid. Start again from Latchkey.");
  });
});
