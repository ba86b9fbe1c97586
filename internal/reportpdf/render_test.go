package reportpdf

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi/internal/pdftest"
)

const sample = `# インシデント報告書: 経理部アカウントへの不正ログイン

- 番号: INC-2026-0001
- 取扱区分: TLP:AMBER

## 概要

経理部の職員がフィッシングメールに応答し、アカウントが不正利用された。<script>alert(1)</script>

| 日時 | 種別 | 内容 |
| --- | --- | --- |
| 2026-04-01 09:40 JST | 作成 | インシデントを作成 \| 続き |
| 2026-04-01 10:00 JST | メモ | ` + "とても長い文章" + `` + "あ" + `` + `|

---

TLP:AMBER: handle as labelled.
`

func TestRenderJapanese(t *testing.T) {
	t.Parallel()
	pdf, err := Render(Input{Markdown: sample, Title: "経理部アカウントへの不正ログイン", Marking: "TLP:AMBER", Colour: "#FFC000", Footer: "INC-2026-0001"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", pdf)
	}
	if len(pdf) > 1<<20 {
		t.Errorf("PDF of %d bytes: the font is not subset", len(pdf))
	}
	text := strings.ReplaceAll(pdftest.Text(t, pdf), "1 / 1", "1/1")
	for _, want := range []string{"インシデント報告書: 経理部アカウントへの不正ログイン", "TLP:AMBER", "INC-2026-0001", "<script>alert(1)</script>", "作成 | 続き", "1/1"} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
}

func TestRenderHostile(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("長", 20000)
	for name, md := range map[string]string{
		"one huge line":        long,
		"wide table":           "|" + strings.Repeat(" a |", 60) + "\n|" + strings.Repeat("---|", 60) + "\n|" + strings.Repeat(long[:300]+"|", 60),
		"tall cell":            "| a |\n| --- |\n| " + long + " |",
		"control characters":   "# \x00\x01\x7f\u202e title\n\n\t\x1b[31m",
		"empty":                "",
		"only bars":            "|||||\n|\n||",
		"emoji and rare glyph": "# 🔥 𠮷野家 \uFFFD",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pdf, err := Render(Input{Markdown: md, Marking: "TLP:RED", Colour: "#FF2B2B"})
			if err != nil && !errors.Is(err, ErrTooLarge) {
				t.Errorf("Render: %v", err)
			}
			if err == nil && name == "emoji and rare glyph" && !strings.Contains(pdftest.Text(t, pdf), "𠮷野家") && !strings.Contains(pdftest.Text(t, pdf), "野家") {
				t.Error("the text around an emoji is lost")
			}
		})
	}
}

func TestRenderTooLarge(t *testing.T) {
	t.Parallel()
	if _, err := Render(Input{Markdown: strings.Repeat("a", MaxInput+1)}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge input: %v, want ErrTooLarge", err)
	}
	if _, err := Render(Input{Markdown: strings.Repeat("a\n", MaxLines+1)}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too many lines: %v, want ErrTooLarge", err)
	}
	// Many pages: each table row a page of its own.
	row := "| " + strings.Repeat("あ ", 1500) + " |\n"
	if _, err := Render(Input{Markdown: "| h |\n| --- |\n" + strings.Repeat(row, MaxPages+5)}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too many pages: %v, want ErrTooLarge", err)
	}
}

func TestLicenceBesideFont(t *testing.T) {
	if !strings.Contains(License, "IPA") || len(ipaexGothic) < 1<<20 {
		t.Error("the font or its licence is missing")
	}
}

func BenchmarkRender(b *testing.B) {
	md := sample + strings.Repeat("| 2026-04-01 10:00 JST | メモ | 調査を継続した。ログを確認し、影響範囲を特定した。 |\n", 500)
	for b.Loop() {
		if _, err := Render(Input{Markdown: md, Marking: "TLP:AMBER"}); err != nil {
			b.Fatal(err)
		}
	}
}
