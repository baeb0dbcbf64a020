import { useState } from "react";
import { factorKind, phoneEnding } from "../auth/messages";
import type { Factor, SecondFactorView } from "../auth/types";
import { useAccount } from "../auth/useActions";
import { useSession } from "../auth/useSession";
import { Button, LinkButton } from "../components/Button";
import { Card, CardFooter } from "../components/Card";
import { Field } from "../components/Field";
import { ErrorNotice, Notice } from "../components/Notice";
import { CodeForm, Enrolment, LostAuthenticator, useAccountAction } from "../views/SecondFactor";

/** After the first factor, while a second is due: its code (`step: "verify"`), or, when policy requires one and the
 *  user has none, setting one up (`step: "enrol"`). Leaving signs out. */
export function SecondFactorScreen({ view }: { view: SecondFactorView }) {
  const { cancelSecondFactor } = useAccount();
  const leave = () => void cancelSecondFactor();
  if (view.step === "enrol") {
    return (
      <Card id="enrol-screen" title="Set up two-step verification" titleId="enrol-title" wide>
        <Notice id="mfa-required" kind="info">
          Your organization requires a second factor for <strong>{view.user.email}</strong>. Set one up to continue;
          cancelling signs you out.
        </Notice>
        <Enrolment allowed={view.allowedFactors} onCancel={leave} />
      </Card>
    );
  }
  const factors = view.user.factors.filter((f) => f.status === "verified" && view.allowedFactors.includes(f.factorType));
  return (
    <Card id="second-factor-screen" title="Two-step verification" titleId="second-factor-title">
      {factors.length === 0 ? (
        <Notice id="no-allowed-factor" kind="info">
          Your organization does not allow the kind of second factor on your account. Contact your administrator.
        </Notice>
      ) : (
        <Verify factors={factors} email={view.user.email} />
      )}
      <CardFooter>
        <LostAuthenticator />
        <LinkButton id="cancel-second-factor" onClick={leave}>
          Cancel and sign out
        </LinkButton>
      </CardFooter>
    </Card>
  );
}

function Verify({ factors, email }: { factors: Factor[]; email: string }) {
  const { challengeFactor, verifyFactor } = useAccount();
  const { pending } = useSession();
  const { busy, error, run } = useAccountAction();
  const [chosenId, setChosenId] = useState(factors[0].id);
  const [texted, setTexted] = useState<string | null>(null);
  const factor = factors.find((f) => f.id === chosenId) ?? factors[0];
  const isPhone = factor.factorType === "phone";

  async function sendCode() {
    if ((await run(() => challengeFactor(factor.id))).ok) setTexted(factor.id);
  }

  return (
    <div className="form">
      <p id="second-factor-for" className="form-hint">
        Signed in as <strong>{email}</strong> with your password. Confirm it's you with{" "}
        <strong id="factor-name-shown">{factor.friendlyName || factorKind(factor.factorType)}</strong>
        {isPhone ? `, a text message to the phone ending ${phoneEnding(factor.phone)}` : ""}.
      </p>
      {factors.length > 1 && (
        <Field id="choose-factor" label="Use">
          <select id="choose-factor" value={factor.id} disabled={busy || pending} onChange={(e) => setChosenId(e.target.value)}>
            {factors.map((f) => (
              <option key={f.id} value={f.id}>
                {f.friendlyName || factorKind(f.factorType)} ({factorKind(f.factorType)})
              </option>
            ))}
          </select>
        </Field>
      )}
      <ErrorNotice error={error} />
      {isPhone && texted !== factor.id ? (
        <Button id="send-factor-code" variant="primary" block onClick={() => void sendCode()} disabled={busy}>
          Text me a code
        </Button>
      ) : (
        <CodeForm
          id="mfa-code"
          label={isPhone ? "Code from the text message" : "6-digit code from your authenticator app"}
          busy={busy}
          onSubmit={(code) => void run(() => verifyFactor(factor.id, code))}
        />
      )}
    </div>
  );
}
