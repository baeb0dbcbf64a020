import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { AuthProvider } from "../../auth/AuthProvider";
import type { StateView } from "../../auth/types";
import { ALL_OPTIONS, CLAIMS_AAL1, FakeCore, NEEDS_CODE, SIGNED_IN, TOTP_FACTOR, signedOut } from "../../test/fakeCore";

const $ = (id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} not found`);
  return el;
};
const type = (id: string, value: string) => fireEvent.change($(id), { target: { value } });
const submit = (id: string) => fireEvent.submit($(id).closest("form")!);

function renderApp(state: StateView) {
  const core = new FakeCore({ seq: 1, state });
  render(
    <AuthProvider>
      <App />
    </AuthProvider>,
  );
  return core;
}

const AAL2_IN: StateView = {
  ...SIGNED_IN,
  user: { ...SIGNED_IN.user, factors: [TOTP_FACTOR] },
  claims: { ...CLAIMS_AAL1, aal: "aal2", amr: [{ method: "totp", timestamp: 2 }, { method: "password", timestamp: 1 }] },
  nextAal: "aal2",
};

describe("the second-factor screen", () => {
  it("names the factor, says a wrong code plainly and keeps the screen, then verifies the right one", async () => {
    const core = renderApp(NEEDS_CODE);
    await screen.findByRole("heading", { name: "Two-step verification" });
    expect($("factor-name-shown").textContent).toBe("Phone app");
    core.on("verify_factor", () => {
      throw { code: "mfa_verification_failed", message: "Invalid TOTP code entered" };
    });
    type("mfa-code", "000 000");
    submit("mfa-code");
    await waitFor(() => expect($("auth-error").textContent).toBe("That code is not right. Check it and try again."));
    expect(core.callsOf("verify_factor")[0].args).toEqual({ factorId: "f-totp", code: "000000" });
    core.on("verify_factor", () => null);
    type("mfa-code", "123456");
    submit("mfa-code");
    await waitFor(() => expect(core.callsOf("verify_factor")).toHaveLength(2));
    act(() => core.emitAuthState({ seq: 2, event: "MFA_CHALLENGE_VERIFIED", state: AAL2_IN }));
    await screen.findByText("Signed in as");
    expect($("two-factor").textContent).toBe("on");
    expect($("assurance-level").textContent).toBe("aal2 (password, authenticator app)");
  });

  it("says 'too many attempts' on a 429 without inventing a countdown", async () => {
    const core = renderApp(NEEDS_CODE);
    await screen.findByRole("heading", { name: "Two-step verification" });
    core.on("verify_factor", () => {
      throw { code: "over_request_rate_limit", message: "Request rate limit reached" };
    });
    type("mfa-code", "123456");
    submit("mfa-code");
    await waitFor(() => expect($("auth-error").textContent).toBe("Too many attempts. Wait a minute, then try again."));
    expect($("auth-error").textContent).not.toMatch(/\d/);
  });

  it("links to guidance for a lost authenticator and cancelling signs out through the core", async () => {
    const core = renderApp(NEEDS_CODE);
    await screen.findByRole("heading", { name: "Two-step verification" });
    fireEvent.click($("lost-authenticator"));
    expect($("lost-authenticator-help").textContent).toContain("your administrator can remove the second factor");
    fireEvent.click($("cancel-second-factor"));
    await waitFor(() => expect(core.callsOf("cancel_second_factor")).toHaveLength(1));
  });

  it("a phone factor is texted a code first", async () => {
    const phone = { ...TOTP_FACTOR, id: "f-phone", friendlyName: "Work phone", factorType: "phone" as const, phone: "15550100001" };
    const core = renderApp({ ...NEEDS_CODE, user: { ...NEEDS_CODE.user, factors: [phone] } });
    await screen.findByRole("heading", { name: "Two-step verification" });
    expect($("second-factor-for").textContent).toContain("the phone ending 0001");
    fireEvent.click($("send-factor-code"));
    await waitFor(() => expect(core.callsOf("challenge_factor")[0]?.args).toEqual({ factorId: "f-phone" }));
    await waitFor(() => $("mfa-code"));
    type("mfa-code", "424242");
    submit("mfa-code");
    await waitFor(() => expect(core.callsOf("verify_factor")[0]?.args).toEqual({ factorId: "f-phone", code: "424242" }));
  });
});

describe("enrolment", () => {
  it("policy's enrolment shows the QR code as a data: SVG and the grouped key, then verifies the first code", async () => {
    const core = renderApp({ ...NEEDS_CODE, user: SIGNED_IN.user, nextAal: "aal1", step: "enrol", allowedFactors: ["totp"] });
    await screen.findByRole("heading", { name: "Set up two-step verification" });
    expect($("mfa-required").textContent).toContain("Your organization requires a second factor");
    type("factor-name", "Laptop app");
    submit("factor-name");
    await waitFor(() => expect(core.callsOf("enrol_totp")[0]?.args).toEqual({ friendlyName: "Laptop app" }));
    await waitFor(() => $("totp-qr"));
    expect(($("totp-qr") as HTMLImageElement).src).toMatch(/^data:image\/svg\+xml/);
    expect($("totp-secret").textContent).toBe("JBSW Y3DP EHPK 3PXP");
    type("enrol-code", "123456");
    submit("enrol-code");
    await waitFor(() => expect(core.callsOf("verify_factor")[0]?.args).toEqual({ factorId: "f-new", code: "123456" }));
    fireEvent.click($("cancel-enrolment"));
    await waitFor(() => expect(core.callsOf("cancel_second_factor")).toHaveLength(1));
  });
});

describe("Settings → Security", () => {
  async function openSecurity(state: StateView) {
    const core = renderApp(state);
    await screen.findByText("Signed in as");
    fireEvent.click($("tab-settings"));
    await screen.findByRole("heading", { name: "Security" });
    return core;
  }

  it("lists the factors, removes one, and changes the password with the current one", async () => {
    const core = await openSecurity(AAL2_IN);
    expect($("two-factor-status").textContent).toContain("Two-factor: on");
    fireEvent.click($("remove-f-totp"));
    await waitFor(() => expect(core.callsOf("unenrol_factor")[0]?.args).toEqual({ factorId: "f-totp" }));
    type("current-password", "old pw");
    type("changed-password", "new pw 1");
    submit("changed-password");
    await waitFor(() => expect(core.callsOf("update_password")[0]?.args).toEqual({ password: "new pw 1", currentPassword: "old pw" }));
    await screen.findByText(/Password changed/);
  });

  it("says which addresses must confirm an e-mail change", async () => {
    const pending = { ...SIGNED_IN, user: { ...SIGNED_IN.user, newEmail: "new@latchkey.local" } };
    const core = await openSecurity(pending);
    expect($("email-change-pending").textContent).toContain("new@latchkey.local");
    expect($("email-change-pending").textContent).toContain("demo@latchkey.local");
    type("new-email", "other@latchkey.local");
    submit("new-email");
    await waitFor(() => expect(core.callsOf("change_email")[0]?.args).toEqual({ email: "other@latchkey.local" }));
  });
});

describe("phone sign-in", () => {
  it("texts a code to the number and signs in with it", async () => {
    const core = renderApp(signedOut(null));
    core.on("get_sign_in_options", () => ALL_OPTIONS);
    fireEvent.click(await screen.findByRole("tab", { name: "Phone" }));
    type("phone", "+1 555 010 0001");
    submit("phone");
    await waitFor(() => expect(core.callsOf("send_phone_code")[0]?.args).toEqual({ phone: "+15550100001" }));
    await waitFor(() => $("phone-code"));
    type("phone-code", "424242");
    submit("phone-code");
    await waitFor(() => expect(core.callsOf("verify_phone_code")[0]?.args).toEqual({ phone: "+15550100001", code: "424242" }));
  });
});
