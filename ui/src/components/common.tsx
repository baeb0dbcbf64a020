import type { ReactNode } from "react";
import { errorMessage } from "../auth/messages";
import type { AuthError } from "../auth/types";
import { formatUnixSeconds } from "../format";

/** The error of the last failed action, in plain words (`#auth-error`). */
export function ErrorNotice({ error }: { error: AuthError | null }) {
  if (!error) return null;
  return (
    <div id="auth-error" className="notice notice-error" role="alert">
      {errorMessage(error)}
    </div>
  );
}

export function Timestamp({ seconds }: { seconds: number }) {
  const date = new Date(seconds * 1000);
  return <time dateTime={date.toISOString()}>{formatUnixSeconds(seconds)}</time>;
}

/** A centered card, used by every signed-out screen. */
export function Card({
  id,
  title,
  titleId,
  children,
}: {
  id?: string;
  title: string;
  titleId: string;
  children: ReactNode;
}) {
  return (
    <main className="screen">
      <section id={id} className="card" aria-labelledby={titleId}>
        <p className="brand">Latchkey</p>
        <h1 id={titleId} className="card-title">
          {title}
        </h1>
        {children}
      </section>
    </main>
  );
}

/** A button that looks like a link (navigation inside the app; there are no URLs). */
export function LinkButton({
  id,
  onClick,
  children,
  disabled,
}: {
  id?: string;
  onClick: () => void;
  children: ReactNode;
  disabled?: boolean;
}) {
  return (
    <button id={id} type="button" className="link-button" onClick={onClick} disabled={disabled}>
      {children}
    </button>
  );
}

/** The account email input every signed-out form uses (`autoComplete="username"`, so password managers pair it). */
export function EmailField({
  id,
  value,
  onChange,
  disabled,
  autoFocus = true,
}: {
  id: string;
  value: string;
  onChange: (email: string) => void;
  disabled: boolean;
  autoFocus?: boolean;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>Email</label>
      <input
        id={id}
        name={id}
        type="email"
        autoComplete="username"
        required
        autoFocus={autoFocus}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        disabled={disabled}
      />
    </div>
  );
}
