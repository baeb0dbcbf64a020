import { LinkButton } from "../components/Button";
import { Card, CardFooter } from "../components/Card";
import { SettingsPanel } from "../views/SettingsPanel";

/** The settings as a signed-out screen (from the sign-in screen). */
export function SettingsScreen({ onBack }: { onBack: () => void }) {
  return (
    <Card id="settings-screen" title="Settings and about" titleId="settings-title" wide>
      <SettingsPanel />
      <CardFooter>
        <LinkButton id="settings-back" onClick={onBack}>
          Back to sign in
        </LinkButton>
      </CardFooter>
    </Card>
  );
}
