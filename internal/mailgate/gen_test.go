package mailgate

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// genTestdata rewrites testdata/*.eml from the cases below. The files are
// committed: the golden test reads the files, not this generator, so the
// bytes under test are fixed. Run: go test ./internal/mailgate -run TestGenerate -gen
var genTestdata = flag.Bool("gen", false, "rewrite testdata/*.eml")

func enc(t testing.TB, e encoding.Encoding, s string) string {
	t.Helper()
	b, err := e.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// b64Lines is base64 wrapped at 76 characters.
func b64Lines(s string) string {
	e := b64(s)
	var b strings.Builder
	for len(e) > 76 {
		b.WriteString(e[:76] + "\r\n")
		e = e[76:]
	}
	b.WriteString(e + "\r\n")
	return b.String()
}

func qp(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// word is an RFC 2047 B encoded word of s in charset e.
func word(t testing.TB, charset string, e encoding.Encoding, s string) string {
	raw := s
	if e != nil {
		raw = enc(t, e, s)
	}
	return "=?" + charset + "?B?" + b64(raw) + "?="
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func TestGenerateTestdata(t *testing.T) {
	if !*genTestdata {
		t.Skip("run with -gen to rewrite testdata/*.eml")
	}
	jis, sjis, euc := japanese.ISO2022JP, japanese.ShiftJIS, japanese.EUCJP
	body := "お疲れさまです。経理部の山田です。\n先ほど、不審なメールの添付ファイルを開いてしまいました。\nパソコンはネットワークから外してあります。\n"
	files := map[string]string{}

	files["plain-ascii.eml"] = crlf(`Return-Path: <alice@example.net>
From: Alice Example <alice@example.net>
To: csirt@example.org
Subject: Suspicious login alert
Message-ID: <plain-1@example.net>
Date: Thu, 26 Nov 2026 09:00:00 +0900
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello CSIRT,

I received a login alert for an account I did not use.

Alice
`)

	files["utf8-qp.eml"] = crlf(`From: =?UTF-8?B?`+b64("山田 花子")+`?= <hanako@example.co.jp>
To: csirt@example.org
Subject: =?UTF-8?B?`+b64("不審なメールについて")+`?=
Message-ID: <utf8-qp@example.co.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

`) + strings.ReplaceAll(qp(body), "\n", "\r\n") + "\r\n"

	// ISO-2022-JP as Japanese mailers send it: 7bit body, subject in two
	// encoded words folded across lines, the display name encoded too.
	subj := "【至急】不審なメールの添付ファイルを開いてしまいました"
	half := []rune(subj)
	files["iso2022jp.eml"] = crlf(`From: `+word(t, "ISO-2022-JP", jis, "山田 太郎")+` <taro@example.co.jp>
To: csirt@example.org
Subject: `+word(t, "ISO-2022-JP", jis, string(half[:12]))+`
 `+word(t, "ISO-2022-JP", jis, string(half[12:]))+`
Message-ID: <iso2022jp@example.co.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit

`) + crlf(enc(t, jis, body))

	files["shiftjis-base64.eml"] = crlf(`From: sato@example.co.jp
To: csirt@example.org
Subject: `+word(t, "Shift_JIS", sjis, "ウイルス警告が表示されました")+`
Message-ID: <sjis@example.co.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset="Shift_JIS"
Content-Transfer-Encoding: base64

`) + b64Lines(enc(t, sjis, "画面に「ウイルスに感染しています」と表示されました。\n表示された電話番号には電話していません。\n"))

	// CP932 (Windows-31J) has characters Shift_JIS does not: ① ㈱ ～.
	files["cp932-8bit.eml"] = crlf(`From: kobayashi@example.co.jp
To: csirt@example.org
Subject: =?windows-31j?B?`+b64(enc(t, sjis, "①㈱取引先からの請求書メール"))+`?=
Message-ID: <cp932@example.co.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=Windows-31J
Content-Transfer-Encoding: 8bit

`) + crlf(enc(t, sjis, "①　㈱〇〇商事を名乗る請求書のメールが届きました～。\n②　リンクは開いていません。\n"))

	files["eucjp-q.eml"] = crlf(`From: suzuki@example.co.jp
To: csirt@example.org
Subject: =?EUC-JP?Q?`+qEncode(enc(t, euc, "パスワード変更の依頼"))+`?=
Message-ID: <eucjp@example.co.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=EUC-JP
Content-Transfer-Encoding: 8bit

`) + crlf(enc(t, euc, "管理者を名乗るメールでパスワードの変更を求められました。\n"))

	// A UTF-8 character split between two encoded words, and three charsets
	// in one subject.
	utf := []byte("情報漏えいの可能性")
	files["subject-mixed.eml"] = crlf(`From: "=?UTF-8?Q?Jos=C3=A9?= Tanaka" <jose@example.com>
To: csirt@example.org
Subject: Re: =?UTF-8?B?` + b64(string(utf[:4])) + `?=
 =?UTF-8?B?` + b64(string(utf[4:])) + `?= / ` + word(t, "ISO-2022-JP", jis, "至急") + ` =?EUC-JP?B?` + b64(enc(t, euc, "確認")) + `?= (ok)
Message-ID: <mixed@example.com>
Content-Type: text/plain; charset=utf-8

See subject.
`)

	files["alternative.eml"] = crlf(`From: ito@example.co.jp
To: csirt@example.org
Subject: =?UTF-8?B?` + b64("USBメモリの紛失") + `?=
Message-ID: <alt@example.co.jp>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="ALT-1"

--ALT-1
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit

` + enc(t, jis, "顧客名簿の入ったUSBメモリを紛失しました。\n") + `
--ALT-1
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

` + qp("<html><body><p>顧客名簿の入った<b>USBメモリ</b>を紛失しました。</p></body></html>") + `
--ALT-1--
`)

	files["html-only.eml"] = crlf(`From: outside@example.com
To: csirt@example.org
Subject: Phishing page
Message-ID: <html-only@example.com>
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8

<html><head><title>x</title><style>p{color:red}</style></head><body>
<script>alert("x")</script>
<p>We found a phishing page that imitates your login:</p>
<p>hxxps://login.example.invalid/ &amp; it asks for <i>passwords</i> &lt;sic&gt;.</p>
<!-- hidden comment -->
<img src="https://tracker.example/pixel.gif" onerror="alert(1)">
</body></html>
`)

	// Attachments with RFC 2231 names (one extended, one in continuations in
	// Shift_JIS), an RFC 2047 name as Japanese clients send it, and a
	// quoted-printable text file attachment.
	files["mixed-attachments.eml"] = crlf(`From: Researcher <researcher@example.net>
To: csirt@example.org
Subject: Vulnerability report with evidence
Message-ID: <attach@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="MIX"

preamble to ignore
--MIX
Content-Type: text/plain; charset=utf-8

Please find the evidence attached.
--MIX
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''%E5%A0%B1%E5%91%8A%E6%9B%B8.pdf
Content-Transfer-Encoding: base64

` + b64Lines("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n") + `--MIX
Content-Type: application/octet-stream
Content-Disposition: attachment;
 filename*0*=shift_jis''` + pctEncode(enc(t, sjis, "ログ")) + `;
 filename*1*=` + pctEncode(enc(t, sjis, "一覧")) + `;
 filename*2=".csv"
Content-Transfer-Encoding: base64

` + b64Lines("time,host\n2026-11-26T00:00:00Z,pc-042\n") + `--MIX
Content-Type: image/png; name="` + word(t, "ISO-2022-JP", jis, "画面写真.png") + `"
Content-Disposition: attachment; filename="` + word(t, "ISO-2022-JP", jis, "画面写真.png") + `"
Content-Transfer-Encoding: base64

` + b64Lines("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") + `--MIX
Content-Type: text/plain; charset=utf-8; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"
Content-Transfer-Encoding: quoted-printable

` + qp("memo = ログ\n") + `
--MIX--
epilogue
`)

	inner := crlf(`From: =?ISO-2022-JP?B?`+b64(enc(t, jis, "銀行"))+`?= <support@bank.example.invalid>
To: taro@example.co.jp
Subject: `+word(t, "ISO-2022-JP", jis, "口座の確認のお願い")+`
Date: Wed, 25 Nov 2026 18:00:00 +0900
Message-ID: <phish@bank.example.invalid>
Content-Type: text/plain; charset=ISO-2022-JP

`) + crlf(enc(t, jis, "以下のリンクから口座情報を確認してください。\nhxxp://bank.example.invalid/login\n"))
	files["forwarded-rfc822.eml"] = crlf(`From: taro@example.co.jp
To: csirt@example.org
Subject: Fw: suspicious
Message-ID: <fwd@example.co.jp>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="FWD"

--FWD
Content-Type: text/plain; charset=utf-8

Forwarding the mail I received.
--FWD
Content-Type: message/rfc822
Content-Disposition: attachment

`) + inner + crlf(`
--FWD--
`)

	files["no-charset-sjis.eml"] = crlf(`From: nakamura@example.co.jp
To: csirt@example.org
Subject: no charset
Message-ID: <nocharset@example.co.jp>
Content-Type: text/plain

`) + crlf(enc(t, sjis, "文字コードの指定がないメールです。\n"))

	files["wrong-charset.eml"] = crlf(`From: wrong@example.co.jp
To: csirt@example.org
Subject: wrong label
Message-ID: <wrong@example.co.jp>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=ISO-2022-JP

`) + crlf(enc(t, sjis, "ラベルはISO-2022-JPですが中身はShift_JISです。\n")) + crlf(`
--b
Content-Type: text/plain; charset=us-ascii

`) + "Labelled us-ascii but UTF-8: caf\xc3\xa9 \xe2\x9c\x93\r\n" + crlf(`
--b
Content-Type: text/plain; charset=x-foo

unknown charset, UTF-8 inside: déjà vu
--b--
`)

	files["broken-base64.eml"] = crlf(`From: broken@example.com
To: csirt@example.org
Subject: broken base64
Message-ID: <b64@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=X

--X
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

` + b64("The text is fine.")[:8] + "!!**" + b64("The text is fine.")[8:] + `
--X
Content-Type: application/octet-stream; name=a.bin
Content-Transfer-Encoding: base64

QUJD%%%REVG
R0g
--X
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

bad =ZZ escape and a soft=
 break =E3=81=82
--X--
`)

	files["reply-tag.eml"] = crlf(`From: Alice Example <ALICE@example.net>
To: csirt@example.org
Subject: Re: [RPT-2026-0001] Suspicious login alert
Message-ID: <reply-1@example.net>
In-Reply-To: <ack-1@hikeshi.example.org>
References: <plain-1@example.net>
 <ack-1@hikeshi.example.org>
Content-Type: text/plain; charset=utf-8

It happened again this morning.

> quoted earlier text
`)

	files["auto-submitted.eml"] = crlf(`From: MAILER-DAEMON@example.com
To: csirt@example.org
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Message-ID: <bounce@example.com>
Content-Type: text/plain

This is an automatic reply.
`)

	files["no-headers.eml"] = "This message has no header at all.\r\nJust text.\r\n"
	files["empty.eml"] = ""
	files["nul-bytes.eml"] = crlf("From: nul@example.com\nSubject: nul\x00bytes\nContent-Type: text/plain\n\n") + "text\x00with\x00NUL\x01bytes\x7f\r\n"

	var deep strings.Builder
	deep.WriteString(crlf("From: deep@example.com\nSubject: nested 100 deep\nMIME-Version: 1.0\n"))
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&deep, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	deep.WriteString("Content-Type: text/plain\r\n\r\ndeepest text\r\n")
	for i := 99; i >= 0; i-- {
		fmt.Fprintf(&deep, "--b%d--\r\n", i)
	}
	files["nested-100.eml"] = deep.String()

	var many strings.Builder
	many.WriteString("From: many@example.com\r\nSubject: ten thousand headers\r\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&many, "X-Header-%d: value %d\r\n", i, i)
	}
	many.WriteString("Content-Type: text/plain\r\n\r\nbody after many headers\r\n")
	files["headers-10k.eml"] = many.String()

	for name, content := range files {
		if err := os.WriteFile(filepath.Join("testdata", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func qEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "=%02X", s[i])
	}
	return b.String()
}

func pctEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}
