// What a sign-out of the other sessions left behind, said plainly: while the server has not confirmed a "sign out
// everywhere" or "sign out other devices", those sessions are still signed in, and the user must know.
import { useSession } from "../auth/useSession";
import { Notice } from "../components/Notice";
import { Timestamp } from "../components/Timestamp";

/** `#other-sessions`: pending, given up or refused (and, once signed out here, confirmed). Nothing otherwise. */
export function OtherSessionsNotice() {
  const { pendingSignOut, serverSignOut, status } = useSession();
  if (pendingSignOut !== null) {
    const here =
      pendingSignOut.scope === "global" ? "You are signed out on this computer, but your other sessions" : "Your other sessions";
    return (
      <Notice id="other-sessions" kind="error">
        {here} are still signed in: Latchkey couldn't reach the server to end them. It keeps trying until{" "}
        <Timestamp seconds={pendingSignOut.until} />.
      </Notice>
    );
  }
  if (serverSignOut === null || serverSignOut.scope === "local") return null;
  switch (serverSignOut.outcome) {
    case "abandoned":
      return (
        <Notice id="other-sessions" kind="error">
          Latchkey couldn't reach the server before your session's time limit, so your other sessions were not signed
          out. They end at their own time limits; sign out everywhere from another device to end them now.
        </Notice>
      );
    case "not_ended":
      return (
        <Notice id="other-sessions" kind="error">
          The server did not sign out your other sessions, so they may still be signed in.
        </Notice>
      );
    case "ended":
      return status === "signed_out" ? (
        <Notice id="other-sessions" kind="info">
          Your other sessions have been signed out too.
        </Notice>
      ) : null;
    default:
      return null;
  }
}
