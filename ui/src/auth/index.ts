export { AuthProvider } from "./AuthProvider";
export { useSession, type Session } from "./useSession";
export { errorMessage, signedOutReasonMessage } from "./messages";
export type * from "./types";
