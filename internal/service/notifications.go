package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/hikeshi/hikeshi"
)

// In-app notifications of clocks (IH-6). A notification holds a message key
// and the incident's number, never its words, and is unique per (clock,
// stage, due time, user): a reminder job that runs twice (a retry, a second
// worker after a lease expired) notifies each person once. Its e-mail is a
// job enqueued in the same transaction as the notification, so the mail is
// sent if and only if the notification was newly created.

// MaxUnreadCount caps the unread count, so that the badge never counts a
// large table; the UI shows "99+".
const MaxUnreadCount = 99

// Alert runs one stage of a clock (the system only): it re-reads the clock
// and does nothing when it has stopped, was withdrawn or was rescheduled
// since the job was enqueued, or when a reminder comes after the due time
// (the escalation takes over). Otherwise it notifies the incident's owner and
// the CSIRT, and for an escalation also admins and managers, each only if they
// may see the incident. With mail, each new notification gets a KindClockMail
// job. It returns how many notifications it created.
func (s *Clocks) Alert(ctx context.Context, actor hikeshi.Actor, p ClockAlertPayload, mail bool) (int, error) {
	if !actor.IsSystem() {
		return 0, forbid("run a clock alert")
	}
	created := 0
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		created = 0
		c, err := tx.FindClockByID(ctx, p.ClockID)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if !c.Running() || c.DueAt.Unix() != p.Due || (p.Stage != hikeshi.StageEscalate && !now.Before(c.DueAt)) {
			return nil
		}
		inc, err := tx.FindIncidentByID(ctx, c.IncidentID)
		if err != nil {
			return err
		}
		users, err := s.recipients(ctx, tx, inc, p.Stage == hikeshi.StageEscalate)
		if err != nil {
			return err
		}
		for _, u := range users {
			n := hikeshi.Notification{ID: hikeshi.NewID(), UserID: u.ID, Stage: p.Stage, IncidentID: inc.ID, ClockID: c.ID,
				ClockKind: c.Kind, DueAt: c.DueAt, TextKey: "clocks.notification." + string(p.Stage),
				Args: []string{inc.Number}, CreatedAt: now}
			ok, err := tx.CreateNotification(ctx, n)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			created++
			if !mail || u.Email == "" {
				continue
			}
			j, err := hikeshi.NewJob(KindClockMail, ClockMailPayload{NotificationID: n.ID}, now, now)
			if err != nil {
				return err
			}
			j.UniqueKey = "clock-mail:" + n.ID
			if _, err := tx.EnqueueJob(ctx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("clock alert: %w", err)
	}
	return created, nil
}

// recipients are the active people a stage notifies who may see inc: the
// owner and the CSIRT, and for an escalation also admins and managers.
func (s *Clocks) recipients(ctx context.Context, r hikeshi.Reader, inc hikeshi.Incident, escalate bool) ([]hikeshi.User, error) {
	var out []hikeshi.User
	seen := map[string]bool{}
	add := func(u hikeshi.User) error {
		if seen[u.ID] || !u.Active() {
			return nil
		}
		seen[u.ID] = true
		ok, err := canSeeIncident(ctx, r, hikeshi.ActorFor(u, "system"), inc)
		if err != nil || !ok {
			return err
		}
		out = append(out, u)
		return nil
	}
	if inc.OwnerID != "" {
		u, err := r.FindUserByID(ctx, inc.OwnerID)
		if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			if err := add(u); err != nil {
				return nil, err
			}
		}
	}
	roles := []hikeshi.Role{hikeshi.RoleCSIRT}
	if escalate {
		roles = append(roles, hikeshi.RoleAdmin, hikeshi.RoleManager)
	}
	for _, role := range roles {
		f := hikeshi.UserFilter{Role: role, Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}}
		for {
			us, err := r.FindUsers(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, u := range us {
				if err := add(u); err != nil {
					return nil, err
				}
			}
			if len(us) < f.Limit {
				break
			}
			f.After = us[len(us)-1].ID
		}
	}
	return out, nil
}

// NotificationMail is what the e-mail of one notification needs.
type NotificationMail struct {
	Notification hikeshi.Notification
	To           string
	Name         string
	Locale       hikeshi.Locale
	Number       string
	// Title is the incident's title, empty for a TLP:RED or AMBER+STRICT
	// incident, whose words do not leave the system by e-mail.
	Title string
	// Skip says no mail should go: it was sent already, the person was
	// disabled or may no longer see the incident.
	Skip bool
}

// MailFor returns what the e-mail of a notification needs (the system only).
func (s *Clocks) MailFor(ctx context.Context, actor hikeshi.Actor, notificationID string) (NotificationMail, error) {
	if !actor.IsSystem() {
		return NotificationMail{}, forbid("read a notification's mail")
	}
	n, err := s.st.FindNotificationByID(ctx, notificationID)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return NotificationMail{Skip: true}, nil
	}
	if err != nil {
		return NotificationMail{}, fmt.Errorf("notification mail: %w", err)
	}
	m := NotificationMail{Notification: n, Skip: !n.MailedAt.IsZero()}
	u, err := s.st.FindUserByID(ctx, n.UserID)
	if err != nil {
		return NotificationMail{}, fmt.Errorf("notification mail: %w", err)
	}
	inc, err := s.st.FindIncidentByID(ctx, n.IncidentID)
	if err != nil {
		return NotificationMail{}, fmt.Errorf("notification mail: %w", err)
	}
	ok, err := canSeeIncident(ctx, s.st, hikeshi.ActorFor(u, "system"), inc)
	if err != nil {
		return NotificationMail{}, fmt.Errorf("notification mail: %w", err)
	}
	m.To, m.Name, m.Locale, m.Number = u.Email, u.Name, u.Locale, inc.Number
	if !inc.TLP.Restricted() {
		m.Title = inc.Title
	}
	if !u.Active() || !ok {
		m.Skip = true
	}
	return m, nil
}

// MarkMailed records that a notification's e-mail went out (the system only).
func (s *Clocks) MarkMailed(ctx context.Context, actor hikeshi.Actor, notificationID string) error {
	if !actor.IsSystem() {
		return forbid("mark a notification mailed")
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		return tx.MarkNotificationMailed(ctx, notificationID, s.clock.Now())
	})
	if err != nil {
		return fmt.Errorf("mark notification mailed: %w", err)
	}
	return nil
}

// NotificationView is a notification as its reader may see it now: Visible
// is false (and Number empty) when the reader can no longer see the incident.
type NotificationView struct {
	hikeshi.Notification
	Visible bool
	Number  string
}

// Notifications lists the actor's own notifications, newest first.
func (s *Clocks) Notifications(ctx context.Context, actor hikeshi.Actor, p hikeshi.Page, unreadOnly bool) ([]NotificationView, error) {
	if actor.UserID == "" {
		return nil, fmt.Errorf("list notifications: %w", hikeshi.ErrUnauthenticated)
	}
	list, err := s.st.FindNotifications(ctx, hikeshi.NotificationFilter{UserID: actor.UserID, UnreadOnly: unreadOnly, Page: p})
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	out := make([]NotificationView, 0, len(list))
	seen := map[string]*hikeshi.Incident{}
	for _, n := range list {
		v := NotificationView{Notification: n}
		inc, ok := seen[n.IncidentID]
		if !ok {
			i, err := s.seeIncident(ctx, s.st, actor, n.IncidentID)
			switch {
			case err == nil:
				inc = &i
			case !errors.Is(err, hikeshi.ErrNotFound):
				return nil, fmt.Errorf("list notifications: %w", err)
			}
			seen[n.IncidentID] = inc
		}
		if inc != nil {
			v.Visible, v.Number = true, inc.Number
		}
		out = append(out, v)
	}
	return out, nil
}

// UnreadCount counts the actor's unread notifications, up to MaxUnreadCount+1
// (more than MaxUnreadCount means "99+").
func (s *Clocks) UnreadCount(ctx context.Context, actor hikeshi.Actor) (int, error) {
	if actor.UserID == "" {
		return 0, nil
	}
	n, err := s.st.CountUnreadNotifications(ctx, actor.UserID, MaxUnreadCount+1)
	if err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	return n, nil
}

// MarkRead marks one of the actor's notifications read; another person's is
// ErrNotFound.
func (s *Clocks) MarkRead(ctx context.Context, actor hikeshi.Actor, id string) error {
	if actor.UserID == "" {
		return fmt.Errorf("mark notification read: %w", hikeshi.ErrUnauthenticated)
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := tx.MarkNotificationRead(ctx, id, actor.UserID, s.clock.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "notification.read", "notification", id, nil, nil)
	})
	if err != nil {
		return fmt.Errorf("mark notification read: %w", err)
	}
	return nil
}

// MarkAllRead marks every unread notification of the actor read.
func (s *Clocks) MarkAllRead(ctx context.Context, actor hikeshi.Actor) (int, error) {
	if actor.UserID == "" {
		return 0, fmt.Errorf("mark notifications read: %w", hikeshi.ErrUnauthenticated)
	}
	var n int
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		var err error
		if n, err = tx.MarkAllNotificationsRead(ctx, actor.UserID, s.clock.Now()); err != nil || n == 0 {
			return err
		}
		return s.audit(ctx, tx, actor, "notification.read_all", "user", actor.UserID, nil, map[string]int{"count": n})
	})
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	return n, nil
}
