import { useCallback, useEffect, useState, type FormEvent } from "react";
import { getSettings, setSetting } from "../auth/bindings";
import { errorMessage } from "../auth/messages";
import { isSettingsReport, toAuthError, type AuthError, type SettingSource, type SettingsReport } from "../auth/types";
import { Card, LinkButton } from "../components/common";

/** The settings a user may change here (the core refuses the rest), in display order. */
const EDITABLE: { key: string; label: string; hint: string }[] = [
  { key: "max_session_age", label: "Maximum session length", hint: "For example 8h. At most 24h." },
  { key: "idle_timeout", label: "Sign out after inactivity", hint: "For example 30m, or off." },
  { key: "session_persistence", label: "Keep me signed in after quitting", hint: "" },
  { key: "proxy", label: "Proxy", hint: "For example http://proxy.example:3128. Empty for none." },
];

export const SOURCE_LABELS: Record<SettingSource, string> = {
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

function useSettingsReport() {
  const [report, setReport] = useState<SettingsReport | null>(null);
  const [error, setError] = useState<AuthError | null>(null);
  const reload = useCallback(async () => {
    try {
      const value = await getSettings();
      if (!isSettingsReport(value)) throw new Error("The settings report has an unexpected shape.");
      setReport(value);
      setError(null);
    } catch (err) {
      setError(toAuthError(err));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { report, error, reload };
}

/** Policy status, the settings this user may change, and every effective value with where it came from. */
export function SettingsPanel() {
  const { report, error, reload } = useSettingsReport();
  if (error && !report) {
    return (
      <div id="settings-error" className="notice notice-error" role="alert">
        Couldn't load the settings. {errorMessage(error)}
      </div>
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
      <UserSettingsForm report={report} onSaved={reload} />
      <EffectiveValues report={report} />
      <p className="muted-text">Latchkey {report.version}</p>
    </div>
  );
}

/** On the sign-in screen: the invalid policy, named, when there is one (nothing otherwise). */
export function PolicyErrorNotice() {
  const { report } = useSettingsReport();
  return report?.error ? <PolicyStatus report={{ ...report, warnings: [] }} /> : null;
}

function PolicyStatus({ report }: { report: SettingsReport }) {
  return (
    <>
      {report.error ? (
        <div id="policy-error" className="notice notice-error" role="alert">
          <strong>Your organization's policy is invalid, so signing in is disabled.</strong> {report.error}
        </div>
      ) : (
        <p id="policy-status" className="section-hint">
          {report.present ? `Organization policy applied from ${report.file}.` : "No organization policy is set on this computer."}
        </p>
      )}
      {report.warnings.map((w) => (
        <div key={w} className="notice notice-info policy-warning" role="status">
          {w}
        </div>
      ))}
    </>
  );
}

function UserSettingsForm({ report, onSaved }: { report: SettingsReport; onSaved: () => Promise<void> }) {
  const initial = (key: string) => (report.values[key]?.source === "user" ? display(report.values[key].value) : "");
  const [draft, setDraft] = useState<Record<string, string>>(() => Object.fromEntries(EDITABLE.map((e) => [e.key, initial(e.key)])));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<AuthError | null>(null);
  const [saved, setSaved] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(null);
    setSaved(false);
    try {
      for (const { key } of EDITABLE) {
        if (!report.editable.includes(key) || draft[key] === initial(key)) continue;
        await setSetting(key, draft[key].trim() === "" ? null : draft[key].trim());
      }
      setSaved(true);
      await onSaved();
    } catch (err) {
      setError(toAuthError(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form id="user-settings" className="form" onSubmit={(e) => void onSubmit(e)} aria-busy={saving}>
      <h2 className="section-title">Your settings</h2>
      {EDITABLE.map(({ key, label, hint }) => {
        const locked = !report.editable.includes(key);
        const current = report.values[key];
        const id = `setting-${key}`;
        return (
          <div key={key} className="field">
            <label htmlFor={id}>{label}</label>
            {key === "session_persistence" ? (
              <select id={id} value={draft[key]} disabled={locked || saving} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}>
                <option value="">Default ({display(current?.value)})</option>
                <option value="keychain">Yes, in the system keychain</option>
                <option value="memory_only">No, forget the session when Latchkey quits</option>
              </select>
            ) : (
              <input
                id={id}
                value={locked ? display(current?.value) : draft[key]}
                placeholder={current ? `Now: ${display(current.value)}` : ""}
                disabled={locked || saving}
                aria-describedby={`${id}-hint`}
                onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
              />
            )}
            <p id={`${id}-hint`} className="field-hint">
              {locked ? <span className="managed-badge">{SOURCE_LABELS[current?.source ?? "managed"]}</span> : hint}
            </p>
          </div>
        );
      })}
      {error && (
        <div id="settings-save-error" className="notice notice-error" role="alert">
          {errorMessage(error)}
        </div>
      )}
      {(saved || report.restartRequired) && !error && (
        <div id="settings-restart" className="notice notice-info" role="status">
          Saved. Changes apply the next time Latchkey starts.
        </div>
      )}
      <button id="save-settings" type="submit" className="button" disabled={saving || report.editable.length === 0}>
        {saving ? "Saving…" : "Save settings"}
      </button>
    </form>
  );
}

function EffectiveValues({ report }: { report: SettingsReport }) {
  return (
    <>
      <h2 className="section-title">In effect</h2>
      <div className="table-scroll">
        <table id="effective-settings" className="activity-table">
          <thead>
            <tr>
              <th scope="col">Setting</th>
              <th scope="col">Value</th>
              <th scope="col">Set by</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(report.values).map(([key, v]) => (
              <tr key={key} data-key={key} className={v.locked ? "setting-locked" : undefined}>
                <td>
                  <code>{key}</code>
                </td>
                <td className="setting-value">{display(v.value)}</td>
                <td>{v.locked ? <span className="managed-badge">{SOURCE_LABELS[v.source]}</span> : SOURCE_LABELS[v.source]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The settings as a signed-out screen (from the sign-in screen). */
export function SettingsScreen({ onBack }: { onBack: () => void }) {
  return (
    <Card id="settings-screen" title="Settings and about" titleId="settings-title">
      <SettingsPanel />
      <div className="card-footer">
        <LinkButton id="settings-back" onClick={onBack}>
          Back to sign in
        </LinkButton>
      </div>
    </Card>
  );
}
