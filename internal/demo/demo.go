// Package demo loads a believable demo organisation into an empty database,
// so a newcomer can sign in and look around within a minute.
package demo

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// Account is a demo user and the password made for it.
type Account struct {
	Email, Name, Password string
	Role                  hikeshi.Role
	Department            string
}

// departments of the demo organisation, a mid-sized Japanese manufacturer.
var departments = []service.DepartmentInput{
	{Name: "経営企画部 (Management)", Kind: hikeshi.KindManagement},
	{Name: "情報システム部 (IT)", Kind: hikeshi.KindIT},
	{Name: "CSIRT", Kind: hikeshi.KindCSIRT},
	{Name: "営業本部 (Sales)", Kind: hikeshi.KindBusinessUnit},
	{Name: "製造本部 (Manufacturing)", Kind: hikeshi.KindBusinessUnit},
}

// people of the demo organisation: one per role, plus a second member.
var people = []struct {
	email, name string
	role        hikeshi.Role
	dept        int // index into departments; -1 for none
	locale      hikeshi.Locale
}{
	{"admin@demo.hikeshi.example", "管理者 太郎 (Taro Kanri)", hikeshi.RoleAdmin, 1, ""},
	{"csirt@demo.hikeshi.example", "火消 はな (Hana Hikeshi)", hikeshi.RoleCSIRT, 2, hikeshi.LocaleJA},
	{"manager@demo.hikeshi.example", "経営 一郎 (Ichiro Keiei)", hikeshi.RoleManager, 0, hikeshi.LocaleJA},
	{"member@demo.hikeshi.example", "営業 さくら (Sakura Eigyo)", hikeshi.RoleMember, 3, hikeshi.LocaleJA},
	{"factory@demo.hikeshi.example", "Ken Sato", hikeshi.RoleMember, 4, hikeshi.LocaleEN},
	{"it@demo.hikeshi.example", "情報 健太 (Kenta Joho)", hikeshi.RoleMember, 1, hikeshi.LocaleJA},
	{"auditor@demo.hikeshi.example", "監査 次郎 (Jiro Kansa)", hikeshi.RoleAuditor, 0, ""},
}

// Load creates the demo organisation when the database has no users yet and
// returns the accounts with their one-time passwords. On a database that
// already has users it does nothing and returns nil.
func Load(ctx context.Context, svc *service.Services) ([]Account, error) {
	n, err := svc.Users.Count(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if n > 0 {
		return nil, nil
	}
	sys := hikeshi.SystemActor("demo")
	ids := make([]string, len(departments))
	for i, in := range departments {
		d, err := svc.Departments.Create(ctx, sys, in)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		ids[i] = d.ID
	}
	var out []Account
	var csirt hikeshi.User
	byRole := map[hikeshi.Role]hikeshi.User{}
	for _, p := range people {
		pw := service.GeneratePassword()
		in := service.UserInput{Email: p.email, Name: p.name, Role: p.role, Locale: p.locale, Password: pw}
		if p.dept >= 0 {
			in.DepartmentID = ids[p.dept]
		}
		u, err := svc.Users.Create(ctx, sys, in)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		if p.role == hikeshi.RoleCSIRT {
			csirt = u
		}
		if _, ok := byRole[p.role]; !ok {
			byRole[p.role] = u
		}
		a := Account{Email: p.email, Name: p.name, Password: pw, Role: p.role}
		if p.dept >= 0 {
			a.Department = departments[p.dept].Name
		}
		out = append(out, a)
	}
	if err := loadReports(ctx, svc, csirt); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := loadIncidents(ctx, svc, csirt, ids); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := loadISMS(ctx, svc, byRole, ids); err != nil {
		return nil, fmt.Errorf("demo: isms: %w", err)
	}
	if err := loadPatterns(ctx, svc, ids); err != nil {
		return nil, fmt.Errorf("demo: patterns: %w", err)
	}
	if err := loadAdvisories(ctx, svc, byRole); err != nil {
		return nil, fmt.Errorf("demo: advisories: %w", err)
	}
	for _, l := range []struct {
		name string
		load func(context.Context, *service.Services, map[hikeshi.Role]hikeshi.User, []string) error
	}{{"reporting", loadReporting}, {"vulnerabilities", loadVulnerabilities}, {"awareness", loadAwareness}} {
		if err := l.load(ctx, svc, byRole, ids); err != nil {
			return nil, fmt.Errorf("demo: %s: %w", l.name, err)
		}
	}
	return out, nil
}

// loadReports files two believable reports: an anonymous employee's, and a
// researcher's that the CSIRT has already answered.
func loadReports(ctx context.Context, svc *service.Services, csirt hikeshi.User) error {
	anon := hikeshi.Actor{Via: "web"}
	if _, err := svc.Reports.Submit(ctx, anon, service.ReportInput{
		Source:    hikeshi.SourceEmployee,
		Anonymous: true,
		Description: "取引先を名乗るメールで「請求書の振込先が変わりました」と連絡があり、添付の Excel を開いて" +
			"「コンテンツの有効化」を押してしまいました。その後、特に画面の変化はありません。" +
			"念のためお知らせします。",
	}); err != nil {
		return err
	}
	sub, err := svc.Reports.Submit(ctx, anon, service.ReportInput{
		Source:       hikeshi.SourceExternal,
		Contact:      "Alex Kim",
		ContactEmail: "alex.kim@research.example",
		Organisation: "Independent security researcher",
		Description: "Your customer portal's password reset page returns different error messages for " +
			"registered and unregistered e-mail addresses, which allows account enumeration. " +
			"I have not tested further. Happy to coordinate disclosure.",
	})
	if err != nil {
		return err
	}
	_, err = svc.Reports.AddMessage(ctx, hikeshi.ActorFor(csirt, "web"), sub.Report.ID,
		"Thank you for the clear report. We have reproduced the behaviour and are preparing a fix; "+
			"we will contact you before any publication. / ご報告ありがとうございます。事象を確認し、修正を進めています。")
	return err
}

// Print writes the sign-in details as a table.
func Print(w io.Writer, baseURL string, accounts []Account) {
	fmt.Fprintf(w, "\nHikeshi demo organisation created. Sign in at %s/login with one of these accounts.\n", baseURL)
	fmt.Fprintln(w, "The passwords are shown only this once.")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tE-MAIL\tPASSWORD\tDEPARTMENT")
	for _, a := range accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Role, a.Email, a.Password, a.Department)
	}
	tw.Flush()
	fmt.Fprintln(w)
}
