"""manage.py import_plan PATH --title TITLE --kind KIND [--plan-slug SLUG] [--dry-run]
[--sheet NAME] [--board SLUG] [--review REF] [--new-agencies]

The same import as the upload page, without the questions: leads we cannot match to
an agency stay unlinked (kept as written), or with --new-agencies become new agencies
(their kind guessed from the name), and status words we do not know become "Not
rated"; all are listed. Exits with an error, writing nothing, when the file
cannot be read or when a real run finds row errors.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from actionplans.importing.pipeline import (
    ImportChoices,
    ImportOutcome,
    ImportSource,
    ImportTarget,
    run_import,
)
from actionplans.importing.pipeline.matching import guess_kind
from actionplans.importing.preview import ImportPreview
from actionplans.importing.readers import MAX_FILE_BYTES
from actionplans.models import AgencyKind
from reviews.models import Board, ReviewKind


class Command(BaseCommand):
    help = (
        "Import a plan's actions from a CSV, XLSX or Word (.docx) file "
        "(idempotent: updates by ref)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .xlsx, .docx or .csv file.")
        parser.add_argument("--title", required=True, help="The plan's title.")
        parser.add_argument(
            "--kind", required=True, choices=ReviewKind.values, help="What the plan responds to."
        )
        parser.add_argument(
            "--plan-slug", help="The plan to create or update (default: from the title)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count; write nothing."
        )
        parser.add_argument(
            "--sheet", help="The worksheet to read (default: the first with a table of actions)."
        )
        parser.add_argument(
            "--board", help="The board's slug (default: the only board, if there is one)."
        )
        parser.add_argument(
            "--new-agencies",
            action="store_true",
            help="Create every lead that matches no agency as a new agency of the board "
            "(kind guessed from its name) instead of leaving it unlinked.",
        )
        parser.add_argument(
            "--review",
            default="",
            help='The short reference of the review the plan answers, e.g. "Case L" '
            "(default: the title). A review of the board with that reference is used.",
        )

    def handle(self, *args, **options):
        board = _board(options["board"])
        target = ImportTarget(
            board=board,
            title=options["title"],
            kind=options["kind"],
            plan_slug=options["plan_slug"] or slugify(options["title"])[:80].strip("-"),
            source_name=Path(options["path"]).name,
            review_reference=options["review"],
        )
        if not target.plan_slug:
            raise CommandError("Give a --title with letters or numbers, or a --plan-slug.")
        source = ImportSource(_read(options["path"]), target, options["sheet"])
        run = run_import(
            source,
            ImportChoices(new_agencies=options["new_agencies"]),
            dry_run=options["dry_run"],
            user=None,
        )
        if run.preview is None:
            raise CommandError(" ".join(run.problems))
        self._report(run.preview, new_agencies=options["new_agencies"])
        if run.preview.errors:
            message = f"{len(run.preview.errors)} row error(s): nothing was written."
            if options["dry_run"]:
                self.stdout.write(message)
                return
            raise CommandError(message)
        if run.outcome is None:
            for problem in run.problems:
                self.stderr.write(problem)
            raise CommandError("Nothing was written.")
        self._counts(run.outcome)

    def _report(self, preview: ImportPreview, *, new_agencies: bool = False) -> None:
        write = self.stdout.write
        write(f"{preview.table.description}: headings on row {preview.header_row}.")
        if preview.table.tracked_changes:
            write(
                "Tracked changes: the document has changes nobody has accepted yet; read as "
                "if all were accepted (inserted text kept, deleted text left out)."
            )
        for column in preview.columns:
            if column.field:
                guessed = " (guessed from its words)" if column.status == "guessed" else ""
                write(f"  {column.letter} {column.heading!r} -> {column.label}{guessed}")
            elif column.status == "derived":
                write(f"  {column.letter} {column.heading!r}: worked out by the app, not imported")
            elif column.status == "duplicate":
                write(
                    f"  {column.letter} {column.heading!r}: a second column for the same "
                    "field, NOT IMPORTED"
                )
            elif column.is_reported:
                write(f"  {column.letter} {column.heading!r}: NOT RECOGNISED, not imported")
        write(
            f"Read {preview.rows_read} rows: {len(preview.actions)} actions, "
            f"{len(preview.findings)} findings, {len(preview.themes)} themes, "
            f"{len(preview.objectives)} objectives."
        )
        if preview.legend_items:
            key = "; ".join(f"{colour} = {words}" for colour, words in preview.legend_items)
            write(f"RAG key: {key}")
        for name, rows in preview.unknown_agencies.items():
            suggested = preview.suggested_agencies.get(name)
            hint = f" (perhaps {suggested.short_name})" if suggested else ""
            done = (
                f"created as a new agency ({AgencyKind(guess_kind(name)).label})"
                if new_agencies
                else f"left unlinked, lead kept as written{hint}"
            )
            write(f"Unknown agency {name!r} (rows {_rows(rows)}): {done}")
        for name, rows in preview.unknown_reviews.items():
            write(f"Unknown review {name!r} (rows {_rows(rows)}): cites the plan's own review")
        for word, rows in preview.unknown_statuses.items():
            write(f"Unknown status {word!r} (rows {_rows(rows)}): imported as Not rated")
        for note in preview.notes:
            write(f"Note: {note}")
        for error in preview.errors:
            self.stderr.write(f"Error: {error}")

    def _counts(self, outcome: ImportOutcome) -> None:
        verb = "Would import" if outcome.dry_run else "Imported"
        plan = f"new plan {outcome.plan_slug}" if outcome.plan_created else outcome.plan_slug
        self.stdout.write(
            f"{verb} into {plan}: {outcome.created} created, {outcome.updated} updated, "
            f"{outcome.unchanged} unchanged, {outcome.not_in_file} of the plan not in the file."
        )
        for kind, count in sorted(outcome.records.items()):
            self.stdout.write(f"  {count} {kind} created")
        if outcome.dry_run:
            self.stdout.write("Dry run: nothing was written.")


def _board(slug: str | None) -> Board:
    if slug:
        board = Board.objects.filter(slug=slug).first()
        if board is None:
            raise CommandError(f"No board with the slug {slug!r}.")
        return board
    boards = list(Board.objects.all()[:2])
    if len(boards) != 1:
        raise CommandError("Say which board the plan belongs to with --board SLUG.")
    return boards[0]


def _read(path: str) -> bytes:
    """The file's bytes, refusing anything over the upload limit without reading it all."""
    try:
        with open(path, "rb") as source:
            data = source.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    if len(data) > MAX_FILE_BYTES:
        raise CommandError(f"{path} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
    return data


def _rows(rows: list[int]) -> str:
    return ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
