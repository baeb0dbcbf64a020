import { useSession } from "./auth/useSession";
import { HomeScreen } from "./screens/HomeScreen";
import { LoadingScreen } from "./screens/LoadingScreen";
import { SignInScreen } from "./screens/SignInScreen";

export function App() {
  const session = useSession();

  switch (session.status) {
    case "initializing":
      return <LoadingScreen error={session.error} onRetry={() => void session.refresh()} />;
    case "signed_in":
      // status "signed_in" guarantees these are set (see useSession).
      return (
        <HomeScreen
          user={session.user!}
          accessExpiresAt={session.accessExpiresAt!}
          signedInAt={session.signedInAt!}
          persistence={session.persistence!}
          error={session.error}
          pending={session.pending}
          onSignOut={() => void session.signOut()}
        />
      );
    case "signed_out":
      return (
        <SignInScreen
          reason={session.reason}
          error={session.error}
          pending={session.pending}
          signInWithPassword={session.signInWithPassword}
        />
      );
  }
}
