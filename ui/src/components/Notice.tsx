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

/** The error of the last failed action, in plain words (`#auth-error`). */
export function ErrorNotice({ error }: { error: AuthError | null }) {
  if (!error) return null;
  return (
    <Notice id="auth-error" kind="error">
      {errorMessage(error)}
    </Notice>
  );
}
