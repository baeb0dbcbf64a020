// Finding and driving the app's screens in tests: elements by id, the app rendered as main.tsx does, and a signed-out
// fake core whose sign-in screen is ready (its options loaded).
import { StrictMode } from "react";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { expect } from "vitest";
import { App } from "../App";
import { AuthProvider } from "../auth/AuthProvider";
import type { SignInOptions } from "../auth/types";
import { ALL_OPTIONS, FakeCore, signedOut } from "./fakeCore";

export const byId = (id: string) => document.getElementById(id);

/** The element with this id; throws when there is none, so a missing element fails the test where it is used. */
export const $ = (id: string) => {
  const el = byId(id);
  if (!el) throw new Error(`#${id} not found`);
  return el;
};

export const type = (id: string, value: string) => fireEvent.change($(id), { target: { value } });
export const text = (id: string) => $(id).textContent;

/** Renders the app inside the auth provider, as main.tsx does; `strict` wraps it in React's StrictMode. */
export function renderApp({ strict = false } = {}) {
  const tree = (
    <AuthProvider>
      <App />
    </AuthProvider>
  );
  return render(strict ? <StrictMode>{tree}</StrictMode> : tree);
}

export function signedOutCore(options: SignInOptions = ALL_OPTIONS, reason: Parameters<typeof signedOut>[0] = null) {
  return new FakeCore({ seq: 1, state: signedOut(reason) }).on("get_sign_in_options", () => options);
}

/** Waits for the sign-in screen with its options loaded. */
export async function signInReady(core: FakeCore) {
  await screen.findByRole("heading", { name: "Sign in to Latchkey" });
  await waitFor(() => expect(core.callsOf("get_sign_in_options")).toHaveLength(1));
  await waitFor(() => expect(byId("sign-in-options-loading")).toBeNull());
}

/** Waits for the signed-in home of demo@latchkey.local. */
export async function homeScreen() {
  return screen.findByRole("heading", { name: "Signed in as demo@latchkey.local" });
}

/** Waits for the sign-in screen with its options loaded, whichever core answers. */
export async function signInScreen() {
  const heading = await screen.findByRole("heading", { name: "Sign in to Latchkey" });
  await waitFor(() => expect(byId("sign-in-options-loading")).toBeNull());
  return heading;
}
