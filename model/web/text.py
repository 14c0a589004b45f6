"""The page's words in English and Dutch, and numbers written the way each language writes
them (15,644 and 15.644)."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("en", "nl")

WORDS: dict[str, tuple[str, str]] = {
    # key: (English, Dutch)
    "skip": ("Skip to the content", "Naar de inhoud"),
    "site": ("capplan: capacity planning", "capplan: capaciteitsplanning"),
    "nav": ("Main menu", "Hoofdmenu"),
    "instances": ("Instances", "Instanties"),
    "runs": ("Past runs", "Eerdere runs"),
    "language": ("Nederlands", "English"),
    "shipped": ("Shipped examples", "Meegeleverde voorbeelden"),
    "folder": ("Instances in the server's folder", "Instanties in de map van de server"),
    "none_folder": ("No folder of instances was given (capplan serve --instances DIR).",
                    "Er is geen map met instanties opgegeven (capplan serve --instances MAP)."),
    "upload": ("Upload an instance", "Een instantie uploaden"),
    "upload_file": ("Instance file (TOML or filled Excel template, at most {limit})",
                    "Instantiebestand (TOML of ingevuld Excel-sjabloon, hoogstens {limit})"),
    "upload_button": ("Upload and check", "Uploaden en controleren"),
    "open": ("Open", "Openen"),
    "template": ("The Excel template to fill (template.xlsx)",
                 "Het Excel-sjabloon om in te vullen (template.xlsx)"),
    "summary": ("Summary", "Samenvatting"),
    "valid": ("valid", "geldig"),
    "scope": ("scope", "omvang"),
    "done_before": ("done before {year}", "gereed voor {year}"),
    "remaining": ("remaining", "resterend"),
    "segments": ("segments", "segmenten"),
    "regions": ("Regions", "Regio's"),
    "measures": ("Measures", "Maatregelen"),
    "objective": ("Objective", "Doel"),
    "scenarios": ("Scenarios", "Scenario's"),
    "model": ("model: {columns} columns, {rows} rows", "model: {columns} kolommen, {rows} rijen"),
    "period": ("{start}-{end} by {granularity}", "{start}-{end} per {granularity}"),
    "deadline": ("deadline", "termijn"),
    "deadline_word": ("Deadline", "Termijn"),
    "hard": ("hard", "hard"),
    "g_year": ("year", "jaar"),
    "g_quarter": ("quarter", "kwartaal"),
    "g_month": ("month", "maand"),
    "k_throughput": ("throughput", "doorzet per jaar"),
    "k_concurrent": ("concurrent", "gelijktijdig onderhanden"),
    "plan_title": ("Plan", "Plannen"),
    "plan_button": ("Plan", "Plan maken"),
    "compare_button": ("Compare with the instance as given",
                       "Vergelijken met de instantie zoals gegeven"),
    "scenario": ("Scenario", "Scenario"),
    "as_given": ("(as given)", "(zoals gegeven)"),
    "objective_terms": ("Objective terms, in order (e.g. finish,p95,waiting)",
                        "Doeltermen, op volgorde (bijv. finish,p95,waiting)"),
    "capacity": ("Capacity per year", "Capaciteit per jaar"),
    "initial": ("level before the start", "niveau voor de start"),
    "max": ("maximum", "maximum"),
    "ramp_up": ("most growth a year", "hoogste groei per jaar"),
    "ramp_down": ("most shrinkage a year", "hoogste krimp per jaar"),
    "lead_times": ("Lead times (days)", "Doorlooptijden (dagen)"),
    "engineering": ("engineering", "engineering"),
    "execution": ("execution", "uitvoering"),
    "segment": ("segment", "segment"),
    "mode": ("mode", "keuze"),
    "mode_in": ("in", "wel"),
    "mode_out": ("out", "niet"),
    "mode_choose": ("solver chooses", "solver kiest"),
    "deadline_year": ("Deadline year", "Jaar van de termijn"),
    "hard_deadline": ("The deadline is hard (a plan must meet it)",
                      "De termijn is hard (een plan moet hem halen)"),
    "questions": ("The planners' questions", "De vragen van planners"),
    "compare": ("Compare scenarios", "Scenario's vergelijken"),
    "compare_help": ("Each scenario ticked, side by side; with a measure varied, each scenario "
                     "with and without it.",
                     "Elk aangevinkt scenario naast elkaar; met een gevarieerde maatregel elk "
                     "scenario met en zonder."),
    "vary_measure": ("Vary a measure (out and in)", "Een maatregel variëren (niet en wel)"),
    "no_measure": ("(none)", "(geen)"),
    "whatif": ("What if: more capacity", "Wat als: meer capaciteit"),
    "stage": ("Stage", "Fase"),
    "amount": ("Capacity added per year", "Toegevoegde capaciteit per jaar"),
    "from_year": ("From year", "Vanaf jaar"),
    "raise_max": ("New maximum of that stage (optional)",
                  "Nieuw maximum van die fase (optioneel)"),
    "evaluate": ("Evaluate targets", "Doelen toetsen"),
    "targets_paste": ("Yearly targets as CSV (year,completed)",
                      "Jaardoelen als CSV (year,completed)"),
    "targets_file": ("or a CSV file of targets", "of een CSV-bestand met doelen"),
    "explain": ("Explain the tail", "De staart verklaren"),
    "tradeoff": ("Trade-off: capacity per finish date", "Afweging: capaciteit per einddatum"),
    "periods": ("Periods after the earliest finish", "Perioden na het vroegste einde"),
    "sweep": ("Sweep the risk register", "Het risicoregister doorrekenen"),
    "samples": ("Samples", "Trekkingen"),
    "seed": ("Seed", "Startgetal"),
    "tornado_samples": ("Samples per risk for the tornado (0: none)",
                        "Trekkingen per risico voor de tornado (0: geen)"),
    "no_risks": ("The instance has no risk register to sweep.",
                 "De instantie heeft geen risicoregister om door te rekenen."),
    "annex": ("Advice-letter annex", "Bijlage bij een adviesbrief"),
    "annex_help": ("Word and HTML: yearly targets per scenario ticked (none: all), milestones, "
                   "the tail, the price of each measure, the risks with samples, every "
                   "assumption and source.",
                   "Word en HTML: jaardoelen per aangevinkt scenario (geen: alle), mijlpalen, "
                   "de staart, de prijs van elke maatregel, de risico's met trekkingen, elke "
                   "aanname en bron."),
    "run_button": ("Run", "Uitvoeren"),
    "job": ("Job", "Taak"),
    "queued": ("Waiting for a free worker", "Wacht op een vrije rekenkern"),
    "running": ("Running", "Bezig"),
    "progress": ("Progress", "Voortgang"),
    "failed": ("The job failed", "De taak is mislukt"),
    "done": ("Done", "Klaar"),
    "run": ("Run {id}", "Run {id}"),
    "milestones": ("Milestones", "Mijlpalen"),
    "downloads": ("Downloads", "Downloads"),
    "preparing": ("The files are being written; reload in a moment.",
                  "De bestanden worden geschreven; laad zo opnieuw."),
    "reproduce": ("Reproduce this run", "Deze run reproduceren"),
    "identical": ("Solved again from its recorded input: identical.",
                  "Opnieuw opgelost uit de vastgelegde invoer: identiek."),
    "different": ("Solved again from its recorded input: differs in {what}.",
                  "Opnieuw opgelost uit de vastgelegde invoer: verschilt in {what}."),
    "no_runs": ("No runs recorded yet.", "Nog geen runs vastgelegd."),
    "ledger": ("Ledger: {path}", "Logboek: {path}"),
    "show": ("Show", "Tonen"),
    "cumulative_title": ("Cumulative completions by the end of each year",
                         "Cumulatief gereed aan het eind van elk jaar"),
    "cumulative_desc": ("Items done by the end of each year per curve ({series}), with lines "
                        "at 95% and 100% of the scope and the deadline year; the figures are "
                        "in the table.",
                        "Gereed aan het eind van elk jaar per lijn ({series}), met lijnen op "
                        "95% en 100% van de omvang en het jaar van de termijn; de cijfers "
                        "staan in de tabel."),
    "fan_title": ("Cumulative completions over the samples (P10-P90 band, P50 and the plan)",
                  "Cumulatief gereed over de trekkingen (band P10-P90, P50 en het plan)"),
    "tornado_title": ("Swing of the P50 finish per risk (months)",
                      "Verschuiving van het P50-einde per risico (maanden)"),
    "tradeoff_title": ("Least peak capacity needed to be done by each date",
                       "Laagste piekcapaciteit nodig om op elke datum klaar te zijn"),
    "fan_desc": ("The band holds the middle 80% of the samples' cumulative completions per "
                 "period, with their median and the plan, the 95% and 100% lines and the "
                 "deadline; the figures are in the tables.",
                 "De band bevat de middelste 80% van de cumulatieve aantallen gereed per "
                 "periode over de trekkingen, met hun mediaan en het plan, de lijnen op 95% en "
                 "100% en de termijn; de cijfers staan in de tabellen."),
    "tradeoff_desc": ("A curve per milestone ({series}): the least peak capacity that reaches "
                      "it by each date; the figures are in the table.",
                      "Een lijn per mijlpaal ({series}): de laagste piekcapaciteit die hem op "
                      "elke datum haalt; de cijfers staan in de tabel."),
    "months": ("months", "maanden"),
    "table_trajectory": ("Yearly targets", "Jaardoelen"),
    "col_year": ("year", "jaar"),
    "col_completed": ("completed", "gereed"),
    "col_cumulative": ("cumulative", "cumulatief"),
    "col_share": ("% of scope", "% van omvang"),
    "col_realised": ("realised", "gerealiseerd"),
    "col_engineering": ("engineering capacity", "capaciteit engineering"),
    "col_execution": ("execution capacity", "capaciteit uitvoering"),
    "yes": ("yes", "ja"),
    "no": ("no", "nee"),
    "errors": ("The input has a problem", "De invoer bevat een fout"),
    "status": ("Status", "Status"),
    "overrides": ("Changes", "Wijzigingen"),
    "when": ("recorded", "vastgelegd"),
    "command": ("command", "opdracht"),
    "back_instance": ("Back to the instance", "Terug naar de instantie"),
    "not_found": ("Not found", "Niet gevonden"),
    "too_large": ("Too large", "Te groot"),
    "json_api": ("The same as JSON: /api/…", "Hetzelfde als JSON: /api/…"),
}


def words(lang: str) -> Callable[..., str]:
    """The lookup for one language: `t("key", name=value)`."""
    index = 1 if lang == "nl" else 0

    def t(key: str, **values: object) -> str:
        text = WORDS[key][index] if key in WORDS else key
        return text.format(**values) if values else text

    return t


def number(lang: str, digits: int = 0) -> Callable[[object], str]:
    """Numbers as the language writes them: 15,644.5 in English, 15.644,5 in Dutch."""

    def fmt(value: object) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return str(value)
        if not isinstance(value, int | float):
            return str(value)
        if isinstance(value, float) and value != value:
            return ""
        places = digits or 1
        if isinstance(value, int) or round(float(value), places).is_integer():
            places = 0
        text = f"{value:,.{places}f}"
        if lang == "nl":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    return fmt
