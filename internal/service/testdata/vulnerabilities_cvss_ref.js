// Scores CVSS vectors with the independent ae-cvss-calculator (npm), for
// TestCVSSAgainstReference: one vector a line on stdin, one JSON result a
// line on stdout: {"v": vector, "base": n, "overall": n} or {"v": vector, "error": "..."}.
// The package's directory is the first argument (HIKESHI_AE_CVSS).
const calc = require(process.argv[2]);
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter((l) => l.trim() !== "");
const out = [];
for (const v of lines) {
  try {
    if (v.startsWith("CVSS:3.1/")) {
      const s = new calc.Cvss3P1(v).calculateScores();
      out.push({ v, base: s.base, overall: s.overall });
    } else if (v.startsWith("CVSS:4.0/")) {
      const s = new calc.Cvss4P0(v).calculateScores();
      out.push({ v, base: s.base, overall: s.overall });
    } else {
      out.push({ v, error: "unknown version" });
    }
  } catch (e) {
    out.push({ v, error: String(e) });
  }
}
process.stdout.write(out.map((o) => JSON.stringify(o)).join("\n") + "\n");
