import { useEffect, useState } from "react";
import { useSession } from "./auth/useSession";
import { useKeepAlive } from "./hooks/useKeepAlive";
import { ActivityScreen } from "./screens/ActivityScreen";
import { ForgotPasswordScreen } from "./screens/ForgotPasswordScreen";
import { HomeScreen } from "./screens/HomeScreen";
import { LoadingScreen } from "./screens/LoadingScreen";
import { NewPasswordScreen } from "./screens/NewPasswordScreen";
import { SecondFactorScreen } from "./screens/SecondFactorScreen";
import { SettingsScreen } from "./screens/SettingsScreen";
import { SignInScreen } from "./screens/SignInScreen";
import { SignUpScreen } from "./screens/SignUpScreen";

/** Screens reachable while signed out. */
type SignedOutRoute = "sign-in" | "sign-up" | "forgot" | "activity" | "settings";

export function App() {
  const session = useSession();
  const [route, setRoute] = useState<SignedOutRoute>("sign-in");
  const inSession = session.status === "signed_in" || session.status === "expired";
  const { clearError } = session;

  useKeepAlive(inSession, session.touch);

  // Whatever led into the session, signing out comes back to the sign-in screen.
  useEffect(() => {
    if (inSession) setRoute("sign-in");
  }, [inSession]);

  function go(next: SignedOutRoute) {
    clearError();
    setRoute(next);
  }

  if (session.status === "initializing") {
    return <LoadingScreen error={session.error} onRetry={() => void session.refresh()} />;
  }

  if (session.secondFactor) return <SecondFactorScreen view={session.secondFactor} />;

  if (inSession) {
    // "expired" stays on the home screen: still signed in, with a reconnecting banner.
    return session.recovery ? <NewPasswordScreen /> : <HomeScreen />;
  }

  switch (route) {
    case "sign-up":
      return <SignUpScreen onBack={() => go("sign-in")} />;
    case "forgot":
      return <ForgotPasswordScreen onBack={() => go("sign-in")} />;
    case "activity":
      return <ActivityScreen onBack={() => go("sign-in")} />;
    case "settings":
      return <SettingsScreen onBack={() => go("sign-in")} />;
    default:
      return (
        <SignInScreen
          onCreateAccount={() => go("sign-up")}
          onForgotPassword={() => go("forgot")}
          onShowActivity={() => go("activity")}
          onShowSettings={() => go("settings")}
        />
      );
  }
}
