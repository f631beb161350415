import type { Role } from '../../db/role-repository.js';
import { hasRole, type CurrentUser } from '../auth/session.js';

/** One link of the main navigation, shown to users holding `role` (everyone when absent). */
export interface NavLink {
  href: string;
  label: string;
  role?: Role;
  devOnly?: boolean;
}

/** The main navigation in order. Pages for a new role add their entry here. */
export const NAV_LINKS: NavLink[] = [
  { href: '/reviews', label: 'My reviews' },
  { href: '/campaigns', label: 'Campaigns', role: 'campaign_admin' },
  { href: '/insights', label: 'Recommendations', role: 'campaign_admin' },
  { href: '/admin/audit', label: 'Audit log', role: 'super_admin' },
  { href: '/admin/sessions', label: 'Sessions', role: 'super_admin' },
  { href: '/admin/roles', label: 'Roles', role: 'super_admin' },
  { href: '/dev/outbox', label: 'Outbox', role: 'super_admin', devOnly: true },
];

/** Filters the navigation to the links this user may open. */
export function visibleLinks(user: CurrentUser, devMode: boolean): NavLink[] {
  return NAV_LINKS.filter(
    (link) => (!link.role || hasRole(user, link.role)) && (!link.devOnly || devMode),
  );
}

export function MainNav(props: { user: CurrentUser; devMode: boolean; path: string }) {
  return (
    <nav aria-label="Main">
      <ul>
        {visibleLinks(props.user, props.devMode).map((link) => (
          <li>
            <a
              href={link.href}
              aria-current={props.path.startsWith(link.href) ? 'page' : undefined}
            >
              {link.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
