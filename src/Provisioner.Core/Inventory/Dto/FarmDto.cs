using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

[Doc("The render farm around the worker VMs: what `provision farm` reads besides the workers' queue settings.")]
public sealed class FarmDto : Dto
{
    [Doc("`provision farm serve -I INVENTORY`: the HTTP API, dashboard and /metrics.")]
    public FarmServiceDto? Service { get; set; }
}

public sealed class FarmServiceDto : Dto
{
    [Doc("ADDRESS:PORT to listen on (default 127.0.0.1:8420). Anything but loopback needs a token. --listen overrides it.")]
    public YamlScalar? Listen { get; set; }

    [Doc("The bearer token writes, and reads from other machines, must carry, as a reference: ${env:NAME} or ${file:/path} (at least 16 characters, e.g. openssl rand -hex 32). Never inline. --token overrides it.")]
    public YamlScalar? Token { get; set; }
}
