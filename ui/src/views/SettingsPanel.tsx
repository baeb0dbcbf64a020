import { useState, type FormEvent } from "react";
import { errorMessage } from "../auth/messages";
import type { AuthError, SettingSource, SettingsReport } from "../auth/types";
import { useSettings } from "../auth/useActions";
import { SubmitButton } from "../components/Button";
import { Field, TextField } from "../components/Field";
import { Notice } from "../components/Notice";
import { Table } from "../components/Table";
import { PolicyStatus, useSettingsReport } from "./PolicyStatus";
import "./SettingsPanel.css";

/** The text settings a user may change here (the core refuses the rest), in display order; they apply at the next start. */
const EDITABLE: { key: string; label: string; hint: string }[] = [
  { key: "max_session_age", label: "Maximum session length", hint: "For example 8h. At most 24h." },
  { key: "idle_timeout", label: "Sign out after inactivity", hint: "For example 30m, or off." },
  { key: "session_persistence", label: "Keep me signed in after quitting", hint: "" },
  { key: "proxy", label: "Proxy", hint: "For example http://proxy.example:3128. Empty for none." },
];

/** The desktop switches: saved and applied as soon as they are flipped. */
const SWITCHES: { key: string; label: string }[] = [
  { key: "run_in_background", label: "Keep Latchkey running in the tray when its window is closed" },
  { key: "launch_at_login", label: "Start Latchkey, hidden in the tray, when I log in" },
  { key: "notifications", label: "Notify me before my session ends, when I'm signed out, and when I'm offline" },
];

const SOURCE_LABELS: Record<SettingSource, string> = {
  managed: "Managed by your organization",
  environment: "Environment variable",
  user: "Your setting",
  recommended: "Recommended by your organization",
  default: "Default",
  fail_closed: "Locked (policy error)",
};

function display(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) return value.length ? value.join(", ") : "none";
  return String(value);
}

const ManagedBadge = ({ source }: { source: SettingSource }) => <span className="managed-badge">{SOURCE_LABELS[source]}</span>;

/** Policy status, the settings this user may change, and every effective value with where it came from. */
export function SettingsPanel() {
  const { report, error, reload } = useSettingsReport();
  if (error && !report) {
    return (
      <Notice id="settings-error" kind="error">
        Couldn't load the settings. {errorMessage(error)}
      </Notice>
    );
  }
  if (!report) {
    return (
      <p className="muted-text" role="status">
        Loading settings…
      </p>
    );
  }
  return (
    <div id="settings" className="settings">
      <PolicyStatus report={report} />
      <Switches report={report} onSaved={reload} />
      <UserSettingsForm report={report} onSaved={reload} />
      <EffectiveValues report={report} />
      <p className="muted-text">Latchkey {report.version}</p>
    </div>
  );
}

/** Each switch saves (and the app applies it) at once; a switch policy manages is shown, disabled, and says so. */
function Switches({ report, onSaved }: { report: SettingsReport; onSaved: () => Promise<void> }) {
  const { setSetting } = useSettings();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<AuthError | null>(null);

  async function flip(key: string, on: boolean) {
    setBusy(key);
    setError(null);
    const result = await setSetting(key, on);
    if (!result.ok) setError(result.error);
    await onSaved();
    setBusy(null);
  }

  return (
    <fieldset id="desktop-switches" className="switches" aria-busy={busy !== null}>
      <legend className="section-title">In the background</legend>
      {SWITCHES.map(({ key, label }) => {
        const current = report.values[key];
        const locked = !report.editable.includes(key);
        const id = `setting-${key}`;
        return (
          <div key={key} className="switch">
            <input
              id={id}
              type="checkbox"
              checked={current?.value === true}
              disabled={locked || busy !== null}
              aria-describedby={locked ? `${id}-hint` : undefined}
              onChange={(e) => void flip(key, e.target.checked)}
            />
            <label htmlFor={id}>{label}</label>
            {locked && (
              <span id={`${id}-hint`}>
                <ManagedBadge source={current?.source ?? "managed"} />
              </span>
            )}
          </div>
        );
      })}
      {error && (
        <Notice id="switch-error" kind="error">
          {errorMessage(error)}
        </Notice>
      )}
    </fieldset>
  );
}

function UserSettingsForm({ report, onSaved }: { report: SettingsReport; onSaved: () => Promise<void> }) {
  const { setSetting } = useSettings();
  const initial = (key: string) => (report.values[key]?.source === "user" ? display(report.values[key].value) : "");
  const [draft, setDraft] = useState<Record<string, string>>(() => Object.fromEntries(EDITABLE.map((e) => [e.key, initial(e.key)])));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<AuthError | null>(null);
  const [saved, setSaved] = useState(false);

  async function save(): Promise<AuthError | null> {
    for (const { key } of EDITABLE) {
      if (!report.editable.includes(key) || draft[key] === initial(key)) continue;
      const result = await setSetting(key, draft[key].trim() === "" ? null : draft[key].trim());
      if (!result.ok) return result.error;
    }
    return null;
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(null);
    setSaved(false);
    const failed = await save();
    setError(failed);
    if (!failed) {
      setSaved(true);
      await onSaved();
    }
    setSaving(false);
  }

  return (
    <form id="user-settings" className="form" onSubmit={(e) => void onSubmit(e)} aria-busy={saving}>
      <h2 className="section-title">Your settings</h2>
      {EDITABLE.map(({ key, label, hint }) => {
        const locked = !report.editable.includes(key);
        const current = report.values[key];
        const id = `setting-${key}`;
        const shownHint = locked ? <ManagedBadge source={current?.source ?? "managed"} /> : hint;
        const onChange = (value: string) => setDraft({ ...draft, [key]: value });
        return key === "session_persistence" ? (
          <Field key={key} id={id} label={label} hint={shownHint}>
            <select
              id={id}
              aria-describedby={shownHint ? `${id}-hint` : undefined}
              value={draft[key]} disabled={locked || saving} onChange={(e) => onChange(e.target.value)}>
              <option value="">Default ({display(current?.value)})</option>
              <option value="keychain">Yes, in the system keychain</option>
              <option value="memory_only">No, forget the session when Latchkey quits</option>
            </select>
          </Field>
        ) : (
          <TextField
            key={key}
            id={id}
            label={label}
            hint={shownHint}
            value={locked ? display(current?.value) : draft[key]}
            placeholder={current ? `Now: ${display(current.value)}` : ""}
            disabled={locked || saving}
            onChange={onChange}
          />
        );
      })}
      {error && (
        <Notice id="settings-save-error" kind="error">
          {errorMessage(error)}
        </Notice>
      )}
      {(saved || report.restartRequired) && !error && (
        <Notice id="settings-restart" kind="info">
          Saved. Changes apply the next time Latchkey starts.
        </Notice>
      )}
      <SubmitButton id="save-settings" disabled={!EDITABLE.some((e) => report.editable.includes(e.key))} busy={saving} busyLabel="Saving…">
        Save settings
      </SubmitButton>
    </form>
  );
}

function EffectiveValues({ report }: { report: SettingsReport }) {
  return (
    <>
      <h2 className="section-title">In effect</h2>
      <Table id="effective-settings" columns={["Setting", "Value", "Set by"]}>
        {Object.entries(report.values).map(([key, v]) => (
          <tr key={key} data-key={key}>
            <td>
              <code>{key}</code>
            </td>
            <td className="setting-value">{display(v.value)}</td>
            <td>{v.locked ? <ManagedBadge source={v.source} /> : SOURCE_LABELS[v.source]}</td>
          </tr>
        ))}
      </Table>
    </>
  );
}
