/**
 * What STANDBY pauses on a page and what still works there, above its paused forms. Their buttons
 * stay enabled: nothing would enable them again when the mode changes, so the user would have to
 * reload and lose what they typed. A form sent in STANDBY is answered in the form instead, what
 * was typed kept (`pausedForm`), and can be sent again once the mode allows it.
 */
export function StandbyNotice({ paused, stillWorks }: { paused: string; stillWorks: string }) {
  return (
    <div class="notice notice--warn" role="status" data-testid="standby-paused">
      <p>
        <strong>The platform is in STANDBY, so {paused} are paused.</strong>{" "}
        STANDBY holds every change except those that contain an incident, until an administrator
        switches the platform back to DEMO or LIVE on the Governance page. You can fill in the
        forms: a change sent now is not made, what you typed is kept (passwords excepted), and you
        can send it again once the platform is back in DEMO or LIVE. {stillWorks}
      </p>
    </div>
  );
}
