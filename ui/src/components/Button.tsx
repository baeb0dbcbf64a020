import type { ButtonHTMLAttributes, ReactNode } from "react";
import "./Button.css";

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, "className"> & {
  variant?: "primary" | "secondary" | "danger";
  /** `medium` for a row of equal actions, `small` beside text. */
  size?: "medium" | "small";
  /** As wide as its form. */
  block?: boolean;
};

/** Every push button of the app (`type="button"` unless told). */
export function Button({ variant = "secondary", size, block = false, type = "button", ...rest }: ButtonProps) {
  const classes = ["button", `button-${variant}`, size && `button-${size}`, block && "button-block"];
  return <button type={type} className={classes.filter(Boolean).join(" ")} {...rest} />;
}

type BusyButtonProps = ButtonProps & {
  /** This button's action is in flight: the button is disabled, `aria-busy`, and says `busyLabel`. */
  busy: boolean;
  busyLabel: string;
};

/** A button whose action takes a while, and says so while it runs. */
export function BusyButton({ busy, busyLabel, disabled, children, ...rest }: BusyButtonProps) {
  return (
    <Button {...rest} disabled={disabled || busy} aria-busy={busy}>
      {busy ? busyLabel : children}
    </Button>
  );
}

/** A form's main button: primary, full width, `type="submit"`. */
export function SubmitButton(props: Omit<BusyButtonProps, "type" | "variant" | "block" | "size">) {
  return <BusyButton {...props} type="submit" variant="primary" block />;
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
