// Sign-out scopes in the window: "Sign out other devices" keeps this device signed in, and a sign-out of the other
// sessions the server has not confirmed is said plainly (they are still signed in) until it is, or is given up.
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { AuthProvider } from "../../auth/AuthProvider";
import type { SignOutScope as LogoutScope } from "../../auth/types";
import { FakeCore, SIGNED_IN, signOutReport, signedOut } from "../../test/fakeCore";

const UNTIL = 1_900_000_000;
const text = (id: string) => document.getElementById(id)?.textContent ?? null;
const pending = (scope: LogoutScope) => ({ scope, until: UNTIL, attempt: 1, nextAt: UNTIL - 3600, cause: "server_unreachable" });

async function home() {
  const core = new FakeCore({ seq: 1, state: SIGNED_IN });
  render(
    <AuthProvider>
      <App />
    </AuthProvider>,
  );
  await screen.findByRole("heading", { name: "Signed in as demo@latchkey.local" });
  return core;
}

describe("sign-out scopes", () => {
  it("a sign-out of other devices the server did not confirm says they are still signed in, until it is", async () => {
    const core = await home();
    core.on("sign_out", () => signOutReport("others", "pending", UNTIL));
    fireEvent.click(document.getElementById("sign-out-others")!);
    act(() => core.emitAuthState({ seq: 2, event: "SERVER_SIGN_OUT", state: SIGNED_IN, serverSignOut: { scope: "others", outcome: "pending" }, pendingSignOut: pending("others") }));
    await waitFor(() => expect(text("other-sessions")).toMatch(/^Your other sessions are still signed in: Latchkey couldn't reach the server/));
    expect(document.querySelector("#other-sessions time")!.getAttribute("datetime")).toBe(new Date(UNTIL * 1000).toISOString());
    expect(text("sign-out-others-done")).toBeNull();
    expect(text("signed-in-user")).toBe("Signed in as demo@latchkey.local");

    act(() => core.emitAuthState({ seq: 3, event: "SERVER_SIGN_OUT", state: SIGNED_IN, serverSignOut: { scope: "others", outcome: "ended" } }));
    await waitFor(() => expect(text("other-sessions")).toBeNull());
  });

  it("after a global sign-out the server did not confirm, the sign-in screen says the other sessions are alive", async () => {
    const core = await home();
    core.on("sign_out", () => signOutReport("global", "pending", UNTIL));
    fireEvent.click(document.getElementById("sign-out-everywhere")!);
    act(() => core.emitAuthState({ seq: 2, event: "SIGNED_OUT", state: signedOut("user"), reason: "user" }));
    act(() => core.emitAuthState({ seq: 3, event: "SERVER_SIGN_OUT", state: signedOut("user"), serverSignOut: { scope: "global", outcome: "pending", cause: "server_unreachable" }, pendingSignOut: pending("global") }));
    await waitFor(() => expect(text("other-sessions")).toMatch(/^You are signed out on this computer, but your other sessions are still signed in/));
    expect(text("signed-out-reason")).toBe("You signed out.");

    act(() => core.emitAuthState({ seq: 4, event: "SERVER_SIGN_OUT", state: signedOut("user"), serverSignOut: { scope: "global", outcome: "ended" } }));
    await waitFor(() => expect(text("other-sessions")).toBe("Your other sessions have been signed out too."));
  });

  it("a sign-out given up at the deadline, or refused, is said too", async () => {
    const core = new FakeCore({ seq: 1, state: signedOut("user"), pendingSignOut: pending("global") });
    render(
      <AuthProvider>
        <App />
      </AuthProvider>,
    );
    await waitFor(() => expect(text("other-sessions")).toMatch(/still signed in/));
    act(() => core.emitAuthState({ seq: 2, event: "SERVER_SIGN_OUT", state: signedOut("user"), serverSignOut: { scope: "global", outcome: "abandoned" } }));
    await waitFor(() => expect(text("other-sessions")).toMatch(/^Latchkey couldn't reach the server before your session's time limit/));
    act(() => core.emitAuthState({ seq: 3, event: "SERVER_SIGN_OUT", state: signedOut("user"), serverSignOut: { scope: "global", outcome: "not_ended", cause: "session_not_found" } }));
    await waitFor(() => expect(text("other-sessions")).toBe("The server did not sign out your other sessions, so they may still be signed in."));
  });
});
