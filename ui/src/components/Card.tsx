import type { ReactNode } from "react";
import "./Card.css";

/** A centered card: every signed-out screen. `wide` for one with a table. */
export function Card({
  id,
  title,
  titleId,
  wide = false,
  children,
}: {
  id?: string;
  title: string;
  titleId: string;
  wide?: boolean;
  children: ReactNode;
}) {
  return (
    <main className="screen">
      <section id={id} className={wide ? "card card-wide" : "card"} aria-labelledby={titleId}>
        <p className="brand">Latchkey</p>
        <h1 id={titleId} className="card-title">
          {title}
        </h1>
        {children}
      </section>
    </main>
  );
}

/** A panel at the top of the window, with `aside` at the right of its header: the signed-in home, the activity
 *  window (`fill`: as wide as the window allows). */
export function Panel({
  title,
  titleId,
  aside,
  fill = false,
  children,
}: {
  title: ReactNode;
  titleId: string;
  aside: ReactNode;
  fill?: boolean;
  children: ReactNode;
}) {
  return (
    <main className="screen screen-top">
      <section className={fill ? "panel panel-fill" : "panel"} aria-labelledby={titleId}>
        <header className="panel-header">
          <div>
            <p className="brand">Latchkey</p>
            <h1 id={titleId} className="card-title">
              {title}
            </h1>
          </div>
          {aside}
        </header>
        {children}
      </section>
    </main>
  );
}

/** The links at the bottom of a card, under a rule. */
export function CardFooter({ children }: { children: ReactNode }) {
  return <div className="card-footer">{children}</div>;
}
