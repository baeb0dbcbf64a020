import { useState, type FormEvent } from "react";
import * as bindings from "../auth/bindings";
import { isProjectState, toAuthError, type AuthError } from "../auth/types";
import { SubmitButton } from "../components/Button";
import { Card } from "../components/Card";
import { TextField } from "../components/Field";
import { ErrorNotice } from "../components/Notice";

/** A release build with no Supabase project configured asks for one; it is checked against the project's
 *  `/auth/v1/settings` before it is saved (a managed policy that sets the project never shows this screen). */
export function FirstRunScreen({ onConnected }: { onConnected: () => void }) {
  const [url, setUrl] = useState("");
  const [anonKey, setAnonKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AuthError | null>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const state = await bindings.setProject(url.trim(), anonKey.trim());
      if (isProjectState(state) && state.configured) {
        onConnected();
        return;
      }
      setError({ code: "malformed_response", message: "set_project returned an unexpected value." });
    } catch (err) {
      setError(toAuthError(err));
    }
    setBusy(false);
  }

  return (
    <Card id="first-run-screen" title="Connect to your Supabase project" titleId="first-run-title">
      <p className="form-hint">
        Latchkey signs you in to a Supabase project. Enter its URL and anon (publishable) key, from the Supabase
        dashboard: Project Settings, API. Latchkey checks that the project answers before saving them.
      </p>
      <ErrorNotice error={error} />
      <form className="form" onSubmit={(e) => void onSubmit(e)}>
        <TextField
          id="project-url"
          label="Project URL"
          type="url"
          placeholder="https://your-project.supabase.co"
          autoComplete="url"
          required
          value={url}
          onChange={setUrl}
          disabled={busy}
        />
        <TextField id="project-anon-key" label="Anon key" required value={anonKey} onChange={setAnonKey} disabled={busy} spellCheck={false} />
        <SubmitButton id="connect-project" disabled={busy} busy={busy} busyLabel="Checking…">
          Connect
        </SubmitButton>
      </form>
    </Card>
  );
}
