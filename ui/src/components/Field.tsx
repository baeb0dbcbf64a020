import type { InputHTMLAttributes, ReactNode } from "react";
import "./Field.css";

interface FieldFrame {
  id: string;
  label: string;
  /** Under the control, as `<id>-hint` (the control's description). */
  hint?: ReactNode;
  /** Beside the label, e.g. a "Forgot password?" link. */
  action?: ReactNode;
}

/** A labelled form control: the label (and an action) above, a hint below. The control is the child, `id` its id. */
export function Field({ id, label, hint, action, children }: FieldFrame & { children: ReactNode }) {
  const labelElement = <label htmlFor={id}>{label}</label>;
  return (
    <div className="field">
      {action ? (
        <div className="field-label-row">
          {labelElement}
          {action}
        </div>
      ) : (
        labelElement
      )}
      {children}
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
    </div>
  );
}

type TextFieldProps = FieldFrame &
  Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange" | "className"> & {
    value: string;
    onChange: (value: string) => void;
    /** Wider spacing and larger digits, for one-time codes. */
    code?: boolean;
  };

/** A labelled text input (any `type`), described by its hint when it has one. */
export function TextField({ id, label, hint, action, value, onChange, code = false, ...input }: TextFieldProps) {
  return (
    <Field id={id} label={label} hint={hint} action={action}>
      <input
        id={id}
        className={code ? "code-input" : undefined}
        aria-describedby={hint ? `${id}-hint` : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...input}
      />
    </Field>
  );
}

/** The account email input every signed-out form uses (`autoComplete="username"`, so password managers pair it). */
export function EmailField({
  autoFocus = true,
  ...props
}: { id: string; value: string; onChange: (email: string) => void; disabled: boolean; autoFocus?: boolean }) {
  return <TextField label="Email" name={props.id} type="email" autoComplete="username" required autoFocus={autoFocus} {...props} />;
}

/** A phone number input (`type="tel"`, so the OS offers the user's number); required. */
export function PhoneField({
  autoFocus = false,
  ...props
}: { id: string; value: string; onChange: (phone: string) => void; disabled: boolean; autoFocus?: boolean }) {
  return <TextField label="Phone number, with + and the country code" type="tel" autoComplete="tel" required autoFocus={autoFocus} {...props} />;
}

/** A one-time code input: digits (spaces allowed), up to 12, which the OS may fill from the email or text message. */
export function CodeField(props: { id: string; label: string; value: string; onChange: (code: string) => void; disabled: boolean }) {
  return (
    <TextField name="code" type="text" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]*" maxLength={12} required autoFocus code {...props} />
  );
}

/** A required password input; `autoComplete` says which password (`current-password` or `new-password`). */
export function PasswordField(props: Omit<TextFieldProps, "type" | "required"> & { autoComplete: string }) {
  return <TextField type="password" required {...props} />;
}
