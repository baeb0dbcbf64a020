import { useState, type FormEvent } from "react";
import { useFlows } from "../auth/useActions";
import { useSession } from "../auth/useSession";
import { LinkButton, SubmitButton } from "../components/Button";
import { PhoneField } from "../components/Field";
import { CodeForm } from "./SecondFactor";

/** Phone sign-in: the number, then the code texted to it. */
export function PhoneForm() {
  const { sendPhoneCode, verifyPhoneCode } = useFlows();
  const { pending, pendingAction, clearError } = useSession();
  const [phone, setPhone] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function send(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const number = phone.replace(/[\s()-]/g, "");
    if (!pending && (await sendPhoneCode(number))) setSentTo(number);
  }

  if (sentTo === null) {
    return (
      <form className="form" onSubmit={(e) => void send(e)}>
        <PhoneField id="phone" autoFocus value={phone} onChange={setPhone} disabled={pending} />
        <SubmitButton id="send-phone-code" disabled={pending} busy={pendingAction === "send_phone_code"} busyLabel="Sending…">
          Text me a code
        </SubmitButton>
      </form>
    );
  }
  return (
    <div className="form">
      <p id="phone-code-sent" className="form-hint" role="status">
        We texted a code to <strong>{sentTo}</strong>.
      </p>
      <CodeForm id="phone-code" label="Code from the text message" busy={pending} onSubmit={(code) => void verifyPhoneCode(sentTo, code)} />
      <LinkButton
        id="change-phone"
        onClick={() => {
          clearError();
          setSentTo(null);
        }}
        disabled={pending}
      >
        Use a different number
      </LinkButton>
    </div>
  );
}
