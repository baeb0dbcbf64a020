// A release build with no project: the first-run screen asks for one, the core checks it (set_project) before the
// app starts on it, and a configured project (a managed policy's included) never shows the screen.
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { AuthProvider } from "../../auth/AuthProvider";
import { ProjectGate } from "../../ProjectGate";
import { FakeCore, signedOut } from "../../test/fakeCore";

function renderGate() {
  return render(
    <ProjectGate>
      <AuthProvider>
        <App />
      </AuthProvider>
    </ProjectGate>,
  );
}

const noProject = { configured: false, url: null, source: "default" };

function fill(url: string, key: string) {
  fireEvent.change(document.getElementById("project-url")!, { target: { value: url } });
  fireEvent.change(document.getElementById("project-anon-key")!, { target: { value: key } });
  fireEvent.click(document.getElementById("connect-project")!);
}

describe("first run", () => {
  it("with no project it asks for one, says why one is refused, and starts the app once the core accepts one", async () => {
    const core = new FakeCore({ seq: 1, state: signedOut(null) });
    core.on("get_project", () => noProject);
    core.on("set_project", (args) => {
      if (String(args.url).startsWith("http://")) {
        throw { code: "invalid_setting", message: 'project URL: "http://p.example" uses plain http://, which is allowed only for 127.0.0.1, ::1 or localhost; use https://' };
      }
      return { configured: true, url: args.url, source: "user" };
    });
    renderGate();
    await screen.findByRole("heading", { name: "Connect to your Supabase project" });
    expect(core.callsOf("get_auth_state")).toHaveLength(0);

    fill("http://p.example", "anon");
    await waitFor(() => expect(document.getElementById("auth-error")!.textContent).toMatch(/plain http:\/\//));
    expect(core.callsOf("get_auth_state")).toHaveLength(0);

    fill("  https://p.supabase.co ", " anon-key ");
    await screen.findByRole("heading", { name: "Sign in to Latchkey" });
    expect(core.callsOf("set_project").at(-1)!.args).toEqual({ url: "https://p.supabase.co", anonKey: "anon-key" });
  });

  it("a configured project goes straight to the app", async () => {
    new FakeCore({ seq: 1, state: signedOut(null) });
    renderGate();
    await screen.findByRole("heading", { name: "Sign in to Latchkey" });
    expect(document.getElementById("first-run-screen")).toBeNull();
  });
});
