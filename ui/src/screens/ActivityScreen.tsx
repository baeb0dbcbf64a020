import { LinkButton } from "../components/Button";
import { Card, CardFooter } from "../components/Card";
import { ActivityList } from "../views/ActivityList";

/** The activity view on its own, reachable from the sign-in screen. */
export function ActivityScreen({ onBack }: { onBack: () => void }) {
  return (
    <Card title="Recent activity" titleId="activity-title" wide>
      <ActivityList />
      <CardFooter>
        <LinkButton id="back-to-sign-in" onClick={onBack}>
          Back to sign in
        </LinkButton>
      </CardFooter>
    </Card>
  );
}
