// This suite's own leak scan (named to run last): the same tests as the main e2e suite's, over what this run saw —
// the tokens of the short-token sessions, the apps' output, the IPC, the tray's icon files and every file in $HOME.
import '../zz-leaks.test.mjs';
