"""`python -m local <command>`: the offline AWS for tests, demo and benchmarks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from local.patches import WrongLibraryVersion
from local.ports import PortInUse, check_port_free


def service_settings(args: argparse.Namespace):
    from local.emulator.settings import Delays, Faults, ServiceSettings

    return ServiceSettings(
        delays=Delays.named(args.delays, args.min_status_seconds),
        faults=Faults.parse(args.faults),
        iu_tps=args.iu_tps,
        accounts=args.accounts,
    )


def _port_in_use(error: OSError) -> int:
    print(f"{error}\nfix: pass another --port, or leave --port out to get a free one", file=sys.stderr)
    return 2


def endpoint(args: argparse.Namespace) -> int:
    try:
        check_port_free(args.port)
        from local.endpoint import LocalEndpoint, serve

        serve(LocalEndpoint(args.port, service_settings(args), authorize=not args.no_authz), args.env_file)
    except PortInUse as error:
        return _port_in_use(error)
    return 0


def serve_stack(args: argparse.Namespace) -> int:
    try:
        check_port_free(args.port)
    except PortInUse as error:
        return _port_in_use(error)
    from local.serve import parse_context, serve

    try:
        context = parse_context(args.context)
    except ValueError as error:
        sys.exit(str(error))
    try:
        return serve(
            args.port,
            args.outputs,
            service_settings(args),
            context,
            template=args.template,
            authorize=not args.no_authz,
            env_file=args.env_file,
            log_file=args.log,
        )
    except PortInUse as error:
        return _port_in_use(error)


def deploy_project(args: argparse.Namespace) -> int:
    from local.add_project import add_project
    from local.serve import parse_context

    try:
        context = parse_context(args.context)
    except ValueError as error:
        sys.exit(str(error))
    return add_project(context, args.outputs)


def samples(args: argparse.Namespace) -> int:
    import boto3

    from local.samples import SAMPLE_KINDS, bucket_exists, ensure_bucket, write_samples

    make, default_count = SAMPLE_KINDS[args.kind]
    total = args.count or default_count
    step = max(1, total // 10)

    def progress(written: int) -> None:
        if written % step == 0 or written == total:
            print(f"samples: {written}/{total} images written", file=sys.stderr, flush=True)

    s3 = boto3.client("s3")
    if args.create_bucket:
        ensure_bucket(s3, args.bucket)
    elif not bucket_exists(s3, args.bucket):
        print(f"error: bucket {args.bucket} does not exist\n  fix: check the name (the stack's is its "
              "ConsoleBucketName output), or pass --create-bucket to make it", file=sys.stderr)
        return 2
    print(f"samples: {args.kind}, {total} images to s3://{args.bucket}/{args.prefix.strip('/')}/",
          file=sys.stderr, flush=True)
    uris = write_samples(s3, make(total), args.bucket, args.prefix, progress)
    for split in ("train", "test"):
        print(uris[split])
    return 0


def demo(args: argparse.Namespace) -> int:
    from local.demo import DemoFailed, run_demo
    from local.demo_production import run_two_account_demo

    try:
        if args.two_accounts:
            return run_two_account_demo(args.out)
        return run_demo(args.out, console=args.console)
    except DemoFailed as failure:
        print(f"demo failed: {failure}", file=sys.stderr)
        return 1


def _fault_setting(text: str) -> str:
    from local.emulator.settings import Faults

    try:
        Faults.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be above 0")
    return value


def _accounts(text: str) -> tuple[str, ...]:
    from local.accounts import parse

    try:
        return parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_service_options(command: argparse.ArgumentParser) -> None:
    from local.emulator.settings import DEFAULT_IU_TPS, DEFAULT_MIN_STATUS_SECONDS

    command.add_argument(
        "--delays",
        choices=("fast", "realistic"),
        default="fast",
        help="how long asynchronous work stays in progress (realistic: the guide's, a minute per second)",
    )
    command.add_argument(
        "--min-status-seconds",
        type=float,
        default=DEFAULT_MIN_STATUS_SECONDS,
        help="every in-progress status (STARTING, STOPPING, DELETING ...) lasts at least this long",
    )
    command.add_argument(
        "--iu-tps",
        type=_positive,
        default=DEFAULT_IU_TPS,
        help="DetectCustomLabels calls per second one inference unit serves",
    )
    command.add_argument(
        "--accounts",
        type=_accounts,
        default=(),
        help="more accounts besides the default one, e.g. 222222222222,333333333333 (each gets an "
        "arn:aws:iam::<id>:role/Administrator role the default keys can assume)",
    )
    command.add_argument(
        "--no-authz",
        action="store_true",
        help="do not enforce IAM, resource and key policies (by default every call is authorized as in AWS)",
    )


def add_context_option(command: argparse.ArgumentParser, help_text: str) -> None:
    command.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE", help=help_text)


def add_port_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: a free port, printed)"
    )
    command.add_argument(
        "--env-file",
        type=Path,
        default=None,
        help="once ready, write the shell exports to use the endpoint here (source it in another shell: "
        "AWS_ENDPOINT_URL, region, test credentials, and the venv on PATH)",
    )


def _add_samples_command(commands: argparse._SubParsersAction) -> None:
    sample = commands.add_parser("samples", help="write a sample dataset (PNG images + manifests) to S3")
    sample.add_argument(
        "kind",
        choices=("digits", "shapes", "noisy-digits"),
        help="digits and shapes train well; noisy-digits (the quick start's) lands near F1 0.9 with labels "
        "1, 3, 7 and 8 overlapping, errors to look at (a gate with minLabelF1 0.8 refuses it)",
    )
    sample.add_argument("--bucket", required=True)
    sample.add_argument("--create-bucket", action="store_true", help="create the bucket if it does not exist")
    sample.add_argument("--prefix", default="samples")
    sample.add_argument(
        "--count",
        type=int,
        default=None,
        help="number of images (default: digits 1797, shapes 150, noisy-digits 500)",
    )
    sample.set_defaults(run=samples)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("endpoint", help="run the local AWS endpoint (moto + Custom Labels service)")
    add_port_options(serve)
    serve.add_argument(
        "--faults",
        type=_fault_setting,
        default="",
        help="injected error rates, e.g. throttle=0.3,internal=0.05",
    )
    add_service_options(serve)
    serve.set_defaults(run=endpoint)

    stack = commands.add_parser("serve", help="run the endpoint with the app's stack deployed on it")
    add_port_options(stack)
    stack.add_argument("--outputs", type=Path, default=None, help="write the stack outputs (JSON) here")
    stack.add_argument(
        "--log",
        type=Path,
        default=None,
        help="append the full detail (deploy notes, Lambda logs, moto) here "
        "(default: a new file in the temp folder; its path is printed)",
    )
    stack.add_argument("--faults", type=_fault_setting, default="", help="e.g. throttle=0.3,internal=0.05")
    add_context_option(stack, "CDK context override, as cdk synth -c takes it (repeatable)")
    stack.add_argument(
        "--template",
        type=Path,
        default=None,
        help="deploy this synthesized template (a *.template.json in a cdk.out folder) "
        "instead of synthesizing the app",
    )
    add_service_options(stack)
    stack.set_defaults(run=serve_stack)

    add = commands.add_parser(
        "deploy",
        help="add a project's pipeline to a running serve's endpoint (AWS_ENDPOINT_URL, from its env file)",
    )
    add_context_option(add, "CDK context override, e.g. -c projectName=beta (its stack: CustomLabels-beta)")
    add.add_argument("--outputs", type=Path, default=None, help="write the new stack's outputs (JSON) here")
    add.set_defaults(run=deploy_project)

    _add_samples_command(commands)

    scenario = commands.add_parser("demo", help="serve the stack, train on digits, label uploads, stop")
    scenario.add_argument(
        "--out",
        type=Path,
        default=Path("demo-output"),
        help="where the HTML report and the endpoint log go (default demo-output/)",
    )
    scenario.add_argument(
        "--console",
        action="store_true",
        help="end by serving `customlabels console` on the demo's stack until Ctrl-C",
    )
    scenario.add_argument(
        "--two-accounts",
        action="store_true",
        help="two accounts: approval, promotion by copy, labels in production",
    )
    scenario.set_defaults(run=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except WrongLibraryVersion as error:
        print(error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
