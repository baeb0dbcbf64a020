import { useState, type ComponentType } from "react";
import { identityProviderName } from "../auth/messages";
import { useSession } from "../auth/useSession";
import { Panel } from "../components/Card";
import { ErrorNotice, Notice } from "../components/Notice";
import { Tabs, type Tab } from "../components/Tabs";
import { ActivityList } from "../views/ActivityList";
import { SessionPanel } from "../views/SessionPanel";
import { SecurityPanel } from "../views/SecurityPanel";
import { SettingsPanel } from "../views/SettingsPanel";

type View = "session" | "activity" | "settings";
const VIEWS: Tab<View>[] = [
  { key: "session", id: "tab-session", label: "Session", panelId: "session-panel" },
  { key: "activity", id: "tab-activity", label: "Activity", panelId: "activity-panel" },
  { key: "settings", id: "tab-settings", label: "Settings", panelId: "settings-panel" },
];
/** Settings in a session: the account's security first, then the app's settings. */
function AccountSettings() {
  return (
    <>
      <SecurityPanel />
      <SettingsPanel />
    </>
  );
}
const PANELS: Record<View, ComponentType> = { session: SessionPanel, activity: ActivityList, settings: AccountSettings };

/** Signed in: who (and through which identity provider), the notices about where the session is kept, and the Session, Activity and Settings views. */
export function HomeScreen() {
  const session = useSession();
  const [view, setView] = useState<View>("session");
  const shown = VIEWS.find((v) => v.key === view)!;
  const Shown = PANELS[view];
  const title = (
    <>
      Signed in as <span className="email">{session.user?.email}</span>
      {session.identityProvider && (
        <span id="signed-in-with" className="signed-in-with">
          {" "}
          with {identityProviderName(session.identityProvider)}
        </span>
      )}
    </>
  );
  const tabs = <Tabs tabs={VIEWS} selected={view} onSelect={setView} label="View" look="underline" />;

  return (
    <Panel title={title} titleId="signed-in-user" aside={tabs}>
      {session.persistence === "memory_only" && (
        <Notice id="memory-only" kind="info">
          Your system keychain isn't available, so this session is kept in memory only: you will need to sign in
          again after Latchkey quits. Run <code>latchkey doctor</code> to see why.
        </Notice>
      )}

      {session.persistence === "insecure_file" && (
        <Notice id="insecure-storage" kind="info">
          Your system keychain isn't available, so, as your organization allows, this session's key is kept in a
          file on this computer: it survives a restart, but it is less protected. It moves back to the keychain
          once the keychain works. Run <code>latchkey doctor</code> to see why.
        </Notice>
      )}

      {session.lastEvent === "USER_UPDATED" && (
        <Notice id="password-updated" kind="info">
          Your account was updated. If you changed your password, use the new one next time.
        </Notice>
      )}

      <ErrorNotice error={session.error} />

      <div id={shown.panelId} role="tabpanel" aria-labelledby={shown.id}>
        <Shown />
      </div>
    </Panel>
  );
}
