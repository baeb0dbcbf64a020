// The shared pieces every screen is built from: what each promises to assistive technology and to the screens.
import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { BusyButton, Button, SubmitButton } from "../Button";
import { EmailField, PasswordField, TextField } from "../Field";
import { ErrorNotice, Notice } from "../Notice";
import { Tabs, type Tab } from "../Tabs";

const byId = (id: string) => document.getElementById(id)!;

describe("Button", () => {
  it("is a plain button (not a form submit) of the variant, size and width asked for", () => {
    render(
      <Button id="b" variant="danger" size="small" block>
        Go
      </Button>,
    );
    expect(byId("b").getAttribute("type")).toBe("button");
    expect(byId("b").className).toBe("button button-danger button-small button-block");
  });

  it("BusyButton: while busy it is disabled, aria-busy and says its busy label; then back", () => {
    const { rerender } = render(
      <BusyButton id="b" busy busyLabel="Saving…">
        Save
      </BusyButton>,
    );
    const button = byId("b") as HTMLButtonElement;
    expect([button.textContent, button.disabled, button.getAttribute("aria-busy")]).toEqual(["Saving…", true, "true"]);
    rerender(
      <BusyButton id="b" busy={false} busyLabel="Saving…">
        Save
      </BusyButton>,
    );
    expect([button.textContent, button.disabled, button.getAttribute("aria-busy")]).toEqual(["Save", false, "false"]);
  });

  it("BusyButton: stays disabled when told, even when not busy (another action is in flight)", () => {
    render(
      <BusyButton id="b" busy={false} busyLabel="Saving…" disabled>
        Save
      </BusyButton>,
    );
    expect((byId("b") as HTMLButtonElement).disabled).toBe(true);
    expect(byId("b").textContent).toBe("Save");
  });

  it("SubmitButton submits its form and is the primary, full-width button", () => {
    const onSubmit = vi.fn((e: { preventDefault: () => void }) => e.preventDefault());
    render(
      <form onSubmit={onSubmit}>
        <SubmitButton id="s" busy={false} busyLabel="Sending…">
          Send
        </SubmitButton>
      </form>,
    );
    expect(byId("s").className).toBe("button button-primary button-block");
    fireEvent.click(byId("s"));
    expect(onSubmit).toHaveBeenCalledTimes(1);
  });
});

describe("Field", () => {
  it("TextField: the label names the input, the hint describes it, changes come as strings", () => {
    const onChange = vi.fn();
    render(<TextField id="proxy" label="Proxy" hint="Empty for none." value="" onChange={onChange} />);
    const input = screen.getByLabelText("Proxy");
    expect(input.id).toBe("proxy");
    expect(input.getAttribute("aria-describedby")).toBe("proxy-hint");
    expect(byId("proxy-hint").textContent).toBe("Empty for none.");
    fireEvent.change(input, { target: { value: "http://p:3128" } });
    expect(onChange).toHaveBeenCalledWith("http://p:3128");
  });

  it("TextField: no hint, no description", () => {
    render(<TextField id="x" label="X" value="" onChange={() => {}} />);
    expect(byId("x").hasAttribute("aria-describedby")).toBe(false);
    expect(document.getElementById("x-hint")).toBeNull();
  });

  it("EmailField is a required email input that password managers pair with the password", () => {
    render(<EmailField id="email" value="" onChange={() => {}} disabled={false} />);
    const input = screen.getByLabelText("Email") as HTMLInputElement;
    expect([input.type, input.required, input.autocomplete, input.name]).toEqual(["email", true, "username", "email"]);
  });

  it("PasswordField is a required password input; its action sits beside the label", () => {
    render(
      <PasswordField
        id="pw"
        label="Password"
        autoComplete="current-password"
        action={<button type="button">Forgot password?</button>}
        value=""
        onChange={() => {}}
      />,
    );
    const input = screen.getByLabelText("Password") as HTMLInputElement;
    expect([input.type, input.required, input.autocomplete]).toEqual(["password", true, "current-password"]);
    expect(screen.getByRole("button", { name: "Forgot password?" }).closest(".field-label-row")).not.toBeNull();
  });
});

describe("Notice", () => {
  it("an error is an alert, information a status", () => {
    render(
      <>
        <Notice id="e" kind="error">
          Broken
        </Notice>
        <Notice id="i" kind="info">
          Fine
        </Notice>
      </>,
    );
    expect(screen.getByRole("alert").id).toBe("e");
    expect(screen.getByRole("status").id).toBe("i");
  });

  it("ErrorNotice: nothing without an error; the plain words for its code with one", () => {
    const { rerender } = render(<ErrorNotice error={null} />);
    expect(document.getElementById("auth-error")).toBeNull();
    rerender(<ErrorNotice error={{ code: "invalid_credentials", message: "Invalid login credentials" }} />);
    expect(byId("auth-error").textContent).toBe("The email or password is not correct.");
  });
});

describe("Tabs", () => {
  type K = "a" | "b" | "c";
  const TABS: Tab<K>[] = (["a", "b", "c"] as const).map((k) => ({ key: k, id: `tab-${k}`, label: k.toUpperCase(), panelId: `${k}-panel` }));

  function Harness({ onSelect }: { onSelect?: (k: K) => void }) {
    const [selected, setSelected] = useState<K>("a");
    return (
      <Tabs
        tabs={TABS}
        selected={selected}
        onSelect={(k) => {
          onSelect?.(k);
          setSelected(k);
        }}
        label="Views"
        look="underline"
      />
    );
  }

  const selected = () => screen.getAllByRole("tab").filter((t) => t.getAttribute("aria-selected") === "true").map((t) => t.id);

  it("one tab is selected and in the tab order; each controls its panel", () => {
    render(<Harness />);
    expect(screen.getByRole("tablist", { name: "Views" })).toBeTruthy();
    expect(selected()).toEqual(["tab-a"]);
    expect(screen.getAllByRole("tab").map((t) => t.tabIndex)).toEqual([0, -1, -1]);
    expect(byId("tab-b").getAttribute("aria-controls")).toBe("b-panel");
  });

  it("arrow keys move the selection and the focus, wrapping around; Home and End go to the ends", () => {
    render(<Harness />);
    const key = (k: string) => fireEvent.keyDown(document.activeElement!, { key: k });
    byId("tab-a").focus();
    key("ArrowLeft");
    expect([selected(), document.activeElement!.id]).toEqual([["tab-c"], "tab-c"]);
    key("ArrowRight");
    expect([selected(), document.activeElement!.id]).toEqual([["tab-a"], "tab-a"]);
    key("End");
    expect(selected()).toEqual(["tab-c"]);
    key("Home");
    expect([selected(), document.activeElement!.id]).toEqual([["tab-a"], "tab-a"]);
  });

  it("a click selects; the selected tab again, or another key, selects nothing", () => {
    const onSelect = vi.fn();
    render(<Harness onSelect={onSelect} />);
    fireEvent.click(byId("tab-b"));
    expect(onSelect).toHaveBeenLastCalledWith("b");
    fireEvent.click(byId("tab-b"));
    fireEvent.keyDown(byId("tab-b"), { key: "Enter" });
    expect(onSelect).toHaveBeenCalledTimes(1);
    expect(selected()).toEqual(["tab-b"]);
  });
});
