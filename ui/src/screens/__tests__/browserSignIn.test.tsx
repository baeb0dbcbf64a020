// Sign-ins in the system browser (OAuth, SAML SSO) on the sign-in screen, and the home screen naming the provider.
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { SignInOptions, StateView } from "../../auth/types";
import { ALL_OPTIONS, FakeCore, PASSWORD_ONLY, SIGNED_IN } from "../../test/fakeCore";
import { $, byId, renderApp, signInReady, signedOutCore } from "../../test/screen";

describe("Continue with a provider", () => {
  it("starts the OAuth flow, waits for the browser, and a flow error ends the wait", async () => {
    const core = signedOutCore();
    renderApp();
    await signInReady(core);
    fireEvent.click($("oauth-github"));
    await screen.findByText(/Continue in your browser to sign in with GitHub/);
    expect(core.callsOf("start_oauth")[0].args).toEqual({ provider: "github", scopes: null, queryParams: null });

    act(() => core.emitFlowError({ code: "access_denied", message: "refused", detail: "" }));
    expect((await screen.findByRole("alert")).textContent).toContain(
      "The sign-in was cancelled at your identity provider, or it declined the sign-in.",
    );
    expect(byId("browser-waiting")).toBeNull();
  });

  it("after the user signed out, asks the provider for its login page again", async () => {
    const core = signedOutCore(ALL_OPTIONS, "user");
    renderApp();
    await signInReady(core);
    fireEvent.click($("oauth-github"));
    await waitFor(() => expect(core.callsOf("start_oauth")).toHaveLength(1));
    expect(core.callsOf("start_oauth")[0].args).toEqual({ provider: "github", scopes: null, queryParams: { prompt: "login" } });
  });

  it("Cancel stops waiting; a timeout from the core says the browser never finished", async () => {
    const core = signedOutCore();
    renderApp();
    await signInReady(core);
    fireEvent.click($("oauth-github"));
    fireEvent.click(await screen.findByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(byId("browser-waiting")).toBeNull());
    expect(core.callsOf("cancel_sign_in")).toHaveLength(1);

    fireEvent.click($("oauth-github"));
    await screen.findByText(/Continue in your browser/);
    act(() => core.emitFlowError({ code: "sign_in_incomplete", message: "the sign-in did not complete in the browser within 5m" }));
    expect((await screen.findByRole("alert")).textContent).toContain("The sign-in didn't finish in your browser");
    expect(byId("browser-waiting")).toBeNull();
  });
});

describe("Sign in with SSO", () => {
  it("asks for the work email, starts SSO with it, and says plainly when no SSO is set up for the domain", async () => {
    const core = signedOutCore().on("start_sso", ({ email }) => {
      if (email === "bob@partner.test") throw { code: "sso_provider_not_found", message: "No SSO provider assigned for this domain" };
      return null;
    });
    renderApp();
    await signInReady(core);
    expect(byId("sso-email")).toBeNull();
    fireEvent.click($("sso"));
    expect([byId("password"), byId("oauth-github"), byId("sso")]).toEqual([null, null, null]);
    fireEvent.change($("sso-email"), { target: { value: "bob@partner.test" } });
    fireEvent.click($("sso-continue"));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "Single sign-on isn't set up for that email domain. Check the address, or ask your administrator.",
    );
    fireEvent.change($("sso-email"), { target: { value: " alice@latchkey.test " } });
    fireEvent.click($("sso-continue"));
    await screen.findByText(/Continue in your browser to sign in with single sign-on/);
    expect(core.callsOf("start_sso").map((c) => c.args)).toEqual([{ email: "bob@partner.test" }, { email: "alice@latchkey.test" }]);
    expect(byId("sso-email")).toBeNull();
    expect(byId("password")).not.toBeNull();
  });

  it("'Other ways to sign in' leaves the SSO step", async () => {
    const core = signedOutCore();
    renderApp();
    await signInReady(core);
    fireEvent.click($("sso"));
    fireEvent.click($("sso-back"));
    expect(byId("sso-email")).toBeNull();
    expect(byId("password")).not.toBeNull();
    expect(core.callsOf("start_sso")).toHaveLength(0);
  });

  it("with the domain from policy, one click starts it without asking", async () => {
    const core = signedOutCore({ ...ALL_OPTIONS, sso: { domain: "corp.example", asksEmail: false } });
    renderApp();
    await signInReady(core);
    expect($("sso").textContent).toBe("Sign in with SSO (corp.example)");
    fireEvent.click($("sso"));
    await screen.findByText(/Continue in your browser to sign in with single sign-on/);
    expect(core.callsOf("start_sso")[0].args).toEqual({ email: null });
  });

  it("an SSO-only policy shows one button and nothing else to sign in with", async () => {
    const ssoOnly: SignInOptions = { ...PASSWORD_ONLY, password: false, sso: { domain: "corp.example", asksEmail: false } };
    const core = signedOutCore(ssoOnly);
    renderApp();
    await signInReady(core);
    const buttons = [...document.querySelectorAll("#sign-in-screen button")].map((b) => b.id);
    expect(buttons.filter((id) => !["show-activity", "show-settings"].includes(id))).toEqual(["sso"]);
    expect(byId("email")).toBeNull();
    expect(document.querySelector(".divider")).toBeNull();
    expect($("sso").className).toContain("button-primary");
  });
});

describe("Signed-in home", () => {
  it.each([
    [{ kind: "oauth", provider: "keycloak" }, "Signed in as demo@latchkey.local with Keycloak"],
    [{ kind: "sso", domain: "latchkey.test" }, "Signed in as demo@latchkey.local with single sign-on (latchkey.test)"],
    [null, "Signed in as demo@latchkey.local"],
  ] as const)("names the identity provider %j", async (identityProvider, title) => {
    const state: StateView = { ...SIGNED_IN, identityProvider };
    new FakeCore({ seq: 1, state });
    renderApp();
    expect((await screen.findByRole("heading", { level: 1 })).textContent).toBe(title);
  });
});
