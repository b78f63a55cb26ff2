"""What the Azure CLI itself prints for the calls the hooks make, computed by the CLI's own code (Debian's
python3-azure-cli): the golden outputs the fake az (Tests/Deployment/Fakes/lib/arm.mjs) must match. Only the HTTP
layer is played here, with the services' documented answers; every transform, error message and output conversion is
the CLI's. Reads a JSON request on stdin, prints a JSON answer.

Run by Tests/Deployment/AzCliGoldenTests.cs: /usr/bin/python3 az_cli_golden.py < request.json
"""
import io
import json
import sys

import requests
from knack.util import todict

from azure.cli.core.commands import AzCliCommandInvoker, _expand_file_prefixed_files
from azure.cli.command_modules.vm._format import transform_vm_usage_list
from azure.mgmt.compute.models import ResourceSku, Usage
import azure.cli.command_modules.vm._vm_utils as vm_utils
from azure.cli.command_modules.vm.custom import list_skus
import azure.cli.command_modules.acr.repository as acr_repository
import azure.cli.command_modules.acr._docker_utils as acr_docker_utils


def printed(result):
    """The object the CLI prints with -o json (azure/cli/core/commands/__init__.py: todict with the SDK's extra layer removed)."""
    return todict(result, AzCliCommandInvoker.remove_additional_prop_layer)


def vm_list_usage(rest):
    """`az vm list-usage`: the SDK's Usage models from the REST answer, then the command's transform."""
    return printed(transform_vm_usage_list([Usage.deserialize(item) for item in rest["value"]]))


class ComputeProfile:
    """What `cmd` answers list_skus about the API version: today's, newer than 2017-03-30."""

    cli_ctx = None

    @staticmethod
    def supported_api_version(**_):
        return False


def vm_list_skus(rest, location, show_all):
    """`az vm list-skus --location L --resource-type virtualMachines [--all]`: the SDK's models, then the command's filter."""
    vm_utils.list_sku_info = lambda cli_ctx, location=None: [
        sku for sku in (ResourceSku.deserialize(item) for item in rest["value"])
        if any(l.lower() == location.lower() for l in sku.locations)]
    return printed(list_skus(ComputeProfile(), location=location, show_all=show_all, resource_type="virtualMachines"))


class Registry:
    """The registry's HTTP answers, by path, in place of the network (requests.request)."""

    def __init__(self, answers, correlation_id):
        self.answers = answers
        self.correlation_id = correlation_id

    def request(self, method, url, **_):
        path = url.split(".azurecr.io", 1)[1]
        status, body = self.answers[path]
        response = requests.models.Response()
        response.status_code = status
        response._content = json.dumps(body).encode("utf-8")
        response.headers["x-ms-correlation-request-id"] = self.correlation_id
        response.url = url
        response.request = requests.Request(method, url).prepare()
        return response


def acr(call, answers, correlation_id, **arguments):
    """An `az acr repository` command, its credentials and HTTP answers played, everything else the CLI's."""
    registry = Registry(answers, correlation_id)
    acr_repository.get_access_credentials = lambda **_: ("crtest.azurecr.io", "00000000-0000-0000-0000-000000000000", "token")
    acr_docker_utils.requests.request = registry.request
    acr_docker_utils.time.sleep = lambda _: None
    try:
        return {"output": printed(call(cmd=None, registry_name="crtest", **arguments))}
    except Exception as error:  # pylint: disable=broad-except
        return {"error": str(error)}


def main():
    request = json.load(sys.stdin)
    answer = {}
    if "vmUsage" in request:
        answer["vmListUsage"] = vm_list_usage(request["vmUsage"])
    if "vmSkus" in request:
        skus = request["vmSkus"]
        answer["vmListSkus"] = vm_list_skus(skus["rest"], skus["location"], False)
        answer["vmListSkusAll"] = vm_list_skus(skus["rest"], skus["location"], True)
    for name, case in request.get("acr", {}).items():
        call = {"list": acr_repository.acr_repository_list, "show-tags": acr_repository.acr_repository_show_tags}[case["command"]]
        answers = {path: (status, body) for path, status, body in case["answers"]}
        answer.setdefault("acr", {})[name] = acr(call, answers, case["correlationId"], **case.get("arguments", {}))
    if "stdinArguments" in request:
        sys.stdin = io.StringIO(request["stdin"])
        answer["expandedArguments"] = _expand_file_prefixed_files(request["stdinArguments"])
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
