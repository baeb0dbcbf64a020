import type { ReactNode } from "react";
import { errorMessage } from "../auth/messages";
import type { AuthError } from "../auth/types";
import "./Notice.css";

/** A boxed message: `error` is announced at once (`role="alert"`), `info` politely (`role="status"`). */
export function Notice({ id, kind, children }: { id?: string; kind: "info" | "error"; children: ReactNode }) {
  return (
    <div id={id} className={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

/** The error of the last failed action, in plain words (`#auth-error`); text from elsewhere only quoted beneath. */
export function ErrorNotice({ error }: { error: AuthError | null }) {
  if (!error) return null;
  return (
    <Notice id="auth-error" kind="error">
      <span>{errorMessage(error)}</span>
      {error.detail ? (
        <p className="notice-detail">
          It said: <q>{error.detail}</q>
        </p>
      ) : null}
    </Notice>
  );
}
