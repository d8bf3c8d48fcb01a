/** The page frame: header with navigation, main content, footer. Server-only. */
import { type ComponentChildren, h, type VNode } from "preact";
import ConsentBanner from "../islands/ConsentBanner.tsx";
import { type Principal, roleAtLeast, type UserPrincipal } from "../lib/auth/principal.ts";
import type { ConsentBannerProps } from "../lib/consent/page.ts";
import { Island } from "../lib/web/island.tsx";
import { NAV_ITEMS, type NavItem } from "./nav.ts";

export interface LayoutProps {
  title: string;
  path: string;
  principal: Principal | null;
  version: string;
  /** The consent banner and analytics client (signed-in users only; null renders no island). */
  consentBanner?: ConsentBannerProps | null;
  children?: ComponentChildren;
}

function visible(item: NavItem, principal: Principal | null): boolean {
  if (item.minRole === "public") return true;
  if (!principal || principal.kind !== "user") return false;
  if (item.minRole === "signed_in") return true;
  return roleAtLeast(principal.role, item.minRole);
}

const PRIVACY = "/settings/privacy";

/**
 * The Sign in link's address: back to `path` afterwards only when `path` is one of the site's
 * fixed page addresses (the navigation's, the privacy page). Any other path is not repeated: a
 * signed-out visitor sees this link on the public pages and on error pages, and the 404 page's
 * path is whatever was typed or linked (`/patients/<name>/mrn/<number>`), which must not be
 * copied into a second URL (browser history, proxy and access logs). The protected pages do not
 * need it: they redirect a signed-out visitor to sign-in themselves (lib/http/access.ts).
 */
export function signInHref(path: string): string {
  const known = path === PRIVACY || NAV_ITEMS.some((item) => item.href === path);
  return known ? `/login?next=${encodeURIComponent(path)}` : "/login";
}

/** The links of the main navigation, the current page marked. */
function NavList({ items, path }: { items: readonly NavItem[]; path: string }): VNode {
  return (
    <ul class="nav">
      {items.map((item) => (
        <li key={item.href}>
          <a
            href={item.href}
            aria-current={item.href === path ? "page" : undefined}
            class={item.href === path ? "nav__link nav__link--current" : "nav__link"}
          >
            {item.label}
          </a>
        </li>
      ))}
    </ul>
  );
}

/**
 * Privacy, who is signed in, and the Sign out form (with the session's CSRF token). In the narrow
 * screens' menu (`whoFirst`) the name comes first, on a line of its own.
 */
function UserMenu(
  { user, path, whoFirst = false }: { user: UserPrincipal; path: string; whoFirst?: boolean },
): VNode {
  const who = (
    <span class="user-menu__who">
      <bdi>{user.displayName || user.email}</bdi> <span class="role-tag">{user.role}</span>
    </span>
  );
  return (
    <>
      {whoFirst && who}
      <a
        href={PRIVACY}
        class={path === PRIVACY ? "nav__link nav__link--current" : "nav__link"}
        aria-current={path === PRIVACY ? "page" : undefined}
      >
        Privacy
      </a>
      {!whoFirst && who}
      <form method="post" action="/logout" class="inline-form">
        <input type="hidden" name="csrf_token" value={user.csrfToken} />
        <button type="submit" class="button button--quiet">Sign out</button>
      </form>
    </>
  );
}

export function Layout(
  { title, path, principal, version, consentBanner, children }: LayoutProps,
): VNode {
  const user = principal?.kind === "user" ? principal : null;
  const items = NAV_ITEMS.filter((item) => visible(item, principal));
  // The current page's name on the narrow screens' menu button, for orientation.
  const here = items.find((item) => item.href === path)?.label ??
    (user && path === PRIVACY ? "Privacy" : null);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* The session's CSRF token for island requests (error reports); absent when signed out. */}
        {user && <meta name="csrf-token" content={user.csrfToken} />}
        <title>{`${title} · ResearchFlow Governance`}</title>
        <link rel="stylesheet" href="/styles.css" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        {/* Replaced by the island bundles this page uses (see lib/web/render.tsx). */}
        {h("rf-island-scripts", null)}
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        {/* Narrow screens: signed in, a Menu disclosure; signed out, the few links in one row. */}
        <header class={user ? "site-header site-header--menu" : "site-header site-header--public"}>
          <a class="brand" href="/">
            <span class="brand__mark" aria-hidden="true">RF</span>
            <span class="brand__name">ResearchFlow Governance</span>
          </a>
          <nav aria-label="Main">
            <NavList items={items} path={path} />
          </nav>
          <div class="user-menu">
            {user ? <UserMenu user={user} path={path} /> : path !== "/login" && (
              // (The sign-in page itself needs no link to itself.)
              <a class="button button--quiet" href={signInHref(path)}>
                Sign in
              </a>
            )}
          </div>
          {
            /*
             * Narrow screens (styles.css, max-width 40rem): the nav and user menu above are hidden
             * (display: none) and this disclosure shows the same links in one row's height; on wide
             * screens it is the one hidden. Either way one "Main" navigation is in view and in the
             * accessibility tree. It comes last so the wide copy is the first match in the DOM.
             */
          }
          {user && (
            <details class="site-menu">
              <summary class="site-menu__toggle">
                {/* Read "Menu: Flags" (the colon for screen readers; the page is on a line below). */}
                <span class="site-menu__label">Menu{here && <span class="sr-only">:</span>}</span>
                {here && <span class="site-menu__here">{here}</span>}
              </summary>
              <div class="site-menu__panel">
                <nav aria-label="Main">
                  <NavList items={items} path={path} />
                </nav>
                <div class="user-menu">
                  <UserMenu user={user} path={path} whoFirst />
                </div>
              </div>
            </details>
          )}
        </header>
        {consentBanner && <Island component={ConsentBanner} props={consentBanner} />}
        <main id="main" class="site-main">{children}</main>
        {
          /* No governance mode here: printed in the frame it went stale while the page stayed
            open; the live badge and the governance panel show it. */
        }
        <footer class="site-footer">
          <span>ResearchFlow Governance {version}</span>
          <a href="/api/docs">API reference</a>
          {/* The probes' JSON (/health, /health/ready) is for machines: people get the page. */}
          <a href="/status">Service status</a>
        </footer>
      </body>
    </html>
  );
}
