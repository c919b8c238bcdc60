using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Inventory.Dto;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Loading;

/// <summary>
/// inventory.yaml → validated <see cref="Model.Inventory"/>: parse with locations, bind DTOs,
/// layer defaults → group → host, map to records, then run fleet-wide checks. Every problem
/// is collected; the inventory is returned only when there is no error.
/// </summary>
public static partial class InventoryLoader
{
    /// <summary>Larger than any real inventory by far (a 1,000-host fleet is about 200 KB).</summary>
    public const long MaxFileBytes = 8L << 20;

    public static LoadResult LoadFile(string path)
    {
        LoadResult Refuse(string message, string fix) =>
            new(null, [DiagnosticCodes.FileNotFound.At(new Diagnostics.SourceLocation(path, 1, 1), message, fix)]);

        string text;
        try
        {
            if (Directory.Exists(path))
            {
                return Refuse("the inventory is a directory", "give the path of a YAML file, e.g. " + Path.Combine(path, "inventory.yaml"));
            }

            // Only a regular file with content is read. .NET cannot tell a device or a FIFO from a
            // file, but both report size 0: /dev/zero would otherwise be read without end, and a
            // FIFO block until something writes to it.
            var info = new FileInfo(path);
            if (info.Exists && info.Length == 0)
            {
                return Refuse("the inventory is empty (or a device or FIFO, which is never read)", "give the path of a YAML file with 'version' and 'hosts'; start from inventories/example.yaml");
            }

            if (info.Exists && info.Length > MaxFileBytes)
            {
                return Refuse($"the inventory is {info.Length:N0} bytes, more than the {MaxFileBytes:N0} an inventory may be", "split the fleet into several inventories, or check that this is the right file");
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Refuse($"cannot read the inventory: {Text.Printable.Escape(e.Message)}", "check the path; run from the directory the inventory's relative paths start from");
        }

        return Load(text, path);
    }

    public static LoadResult Load(string text, string file)
    {
        var diagnostics = new DiagnosticBag();
        var root = YamlTreeReader.Read(text, file, diagnostics);
        if (root is not YamlMapping mapping)
        {
            if (root is not null || !diagnostics.HasErrors)
            {
                diagnostics.Add(DiagnosticCodes.WrongType, root?.Location ?? new Diagnostics.SourceLocation(file, 1, 1),
                    "the inventory must be a mapping with 'version' and 'hosts'", "start from inventories/example.yaml");
            }

            return new LoadResult(null, diagnostics.Sorted());
        }

        var dto = DtoBinder.Bind<InventoryDto>(mapping, diagnostics);
        var inventory = Map(dto, file, diagnostics);
        // Every diagnostic names a place: one a check could not tie to a key points at the file's
        // first line rather than nowhere.
        var located = diagnostics.Sorted().Select(d => d.Location is null ? d with { Location = new Diagnostics.SourceLocation(file, 1, 1) } : d).ToList();
        return new LoadResult(diagnostics.HasErrors ? null : inventory, located);
    }

    private static Model.Inventory Map(InventoryDto dto, string file, DiagnosticBag diagnostics)
    {
        var read = new ValueReader(diagnostics);
        if (dto.Version is null)
        {
            diagnostics.Add(DiagnosticCodes.MissingRequired, dto.Location, "the inventory needs 'version: 1'", "add 'version: 1' as the first line");
        }
        else if (dto.Version.Value != "1")
        {
            read.Report(DiagnosticCodes.UnsupportedVersion, dto.Version, $"inventory version {dto.Version.Shown} is not supported",
                "this Provisioner reads version 1");
        }

        var templates = ResolveTemplates(dto.Templates, file, read);
        foreach (var groupName in (dto.Groups ?? []).Keys)
        {
            if (!Values.SafeText.IsName(groupName))
            {
                diagnostics.Add(DiagnosticCodes.UnsafeName, dto.Location, $"group name '{groupName}' is not a valid name", "use lower-case letters, digits and '-'");
            }
        }

        if (dto.Hosts is null || dto.Hosts.Count == 0)
        {
            diagnostics.Add(dto.Hosts is null ? DiagnosticCodes.MissingRequired : DiagnosticCodes.HostsEmpty, dto.Location,
                "the inventory lists no hosts", "add a 'hosts' list with at least one host");
        }

        // Hosts are independent until the fleet checks: map them in parallel, each into its own
        // bag, then merge in inventory order so the output does not depend on scheduling.
        var perHost = (dto.Hosts ?? []).AsParallel().AsOrdered().Select(hostDto =>
        {
            var hostRead = new ValueReader(new DiagnosticBag());
            var layered = Layer(hostDto, dto, hostRead);
            return (layered, host: new HostMapper(hostRead).Map(layered), hostRead.Diagnostics);
        }).ToList();
        var mapped = new List<(HostDto, Host)>();
        foreach (var (layered, host, hostDiagnostics) in perHost)
        {
            diagnostics.AddRange(hostDiagnostics.Items);
            if (host is not null)
            {
                mapped.Add((layered, host));
            }
        }

        FleetChecks.Run(mapped, diagnostics);
        var storage = MapFarmStorage(dto.Farm?.Storage, read);
        return new Model.Inventory(file, templates, [.. mapped.Select(m => WithStorage(m.Item2, storage))])
        {
            FarmService = MapFarmService(dto.Farm?.Service, read),
            FarmStorage = storage,
        };
    }

    /// <summary>Every VM that runs a worker mounts the farm's share; a VM without one has nothing to write there.</summary>
    private static Host WithStorage(Host host, Model.FarmStorage? storage) => storage is null ? host : host with
    {
        Gpus = [.. host.Gpus.Select(g => g.Vm.Worker.Kind == "none" ? g : g with { Vm = g.Vm with { Worker = g.Vm.Worker with { Storage = storage } } })],
    };

    /// <summary>
    /// farm.storage: the values reach the VMs' fstab (through cloud-config) and the worker unit's
    /// ReadWritePaths, so each is checked here: a host name or address, absolute paths, and mount
    /// options of plain characters.
    /// </summary>
    private static Model.FarmStorage? MapFarmStorage(FarmStorageDto? dto, ValueReader read)
    {
        if (dto is null)
        {
            return null;
        }

        var server = dto.Server is { } s && !Values.SafeText.IsHostAddress(s.Value)
            ? Invalid(read, s, DiagnosticCodes.MalformedIp, $"'farm.storage.server' {s.Shown} is not a host name or IP address", "give the NFS server's DNS name or address, e.g. nfs.example.org or 10.20.0.5")
            : dto.Server?.Value;
        var export = read.AbsolutePath(dto.Export, "farm.storage.export");
        var mount = read.AbsolutePath(dto.Mount, "farm.storage.mount") ?? Model.FarmStorage.DefaultMountPath;
        if (dto.Mount is { } at && (mount.TrimEnd('/') is "/srv/work" || mount.StartsWith("/srv/work/", StringComparison.Ordinal) || mount.TrimEnd('/').Length == 0))
        {
            Invalid(read, at, DiagnosticCodes.StorageSettings, $"'farm.storage.mount' {at.Shown} is on the VM's work disk (/srv/work) or its root",
                "mount the share beside it, e.g. /srv/farm");
        }
        else if (dto.Mount is { } hidden && HiddenFromTheWorker.FirstOrDefault(p => mount == p || mount.StartsWith(p + "/", StringComparison.Ordinal)) is { } under)
        {
            // Found by the farm end-to-end test: systemd failed the worker with 226/NAMESPACE.
            Invalid(read, hidden, DiagnosticCodes.StorageSettings, $"'farm.storage.mount' {hidden.Shown} is under {under}, which the worker's unit hides (PrivateTmp, ProtectHome): it could not write there",
                "mount the share elsewhere, e.g. /srv/farm");
        }

        var version = read.Choice(dto.Version, "farm.storage.version", Allowed.For<FarmStorageDto>(nameof(FarmStorageDto.Version)), "4");
        List<string> options = [];
        foreach (var option in dto.Options ?? [])
        {
            if (!MountOption().IsMatch(option.Value))
            {
                Invalid(read, option, DiagnosticCodes.StorageSettings, $"'farm.storage.options' entry {option.Shown} is not a mount option",
                    "write name or name=value (letters, digits and '_'; values may also have '.', ':', '/' and '-'), e.g. rsize=1048576");
            }
            else if (option.Value.StartsWith("vers=", StringComparison.Ordinal) || option.Value.StartsWith("nfsvers=", StringComparison.Ordinal))
            {
                Invalid(read, option, DiagnosticCodes.StorageSettings, $"'farm.storage.options' entry {option.Shown} sets the version", "use farm.storage.version instead");
            }
            else
            {
                options.Add(option.Value);
            }
        }

        return server is null || export is null
            ? null
            : new Model.FarmStorage(server, export, mount, version, dto.Options is null ? Model.FarmStorage.DefaultOptions(version) : options);
    }

    // What the worker's unit hides (PrivateTmp, ProtectHome): a share mounted there is out of its reach.
    private static readonly string[] HiddenFromTheWorker = ["/tmp", "/var/tmp", "/home", "/root", "/run/user"];

    private static string? Invalid(ValueReader read, YamlScalar at, DiagnosticDescriptor code, string message, string fix)
    {
        read.Report(code, at, message, fix);
        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("\\A[a-z0-9_]{1,32}(=[A-Za-z0-9_.:/-]{1,128})?\\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex MountOption();

    /// <summary>
    /// farm.service: the address must be ADDRESS:PORT, and one other machines can reach needs a
    /// token (the service takes jobs that run Blender on every worker).
    /// </summary>
    private static Model.FarmServiceSettings MapFarmService(FarmServiceDto? dto, ValueReader read)
    {
        if (dto is null)
        {
            return Model.FarmServiceSettings.Defaults;
        }

        var token = read.Secret(dto.Token, "token");
        if (dto.Listen is not { } listen)
        {
            return new Model.FarmServiceSettings(null, token);
        }

        if (!System.Net.IPEndPoint.TryParse(listen.Value, out var endPoint) || endPoint.Port == 0 || !listen.Value.Contains(':', StringComparison.Ordinal))
        {
            read.Report(DiagnosticCodes.MalformedIp, listen, $"'listen' {listen.Shown} is not ADDRESS:PORT", "give an IP address and a port, e.g. 127.0.0.1:8420 or [::1]:8420");
            return new Model.FarmServiceSettings(null, token);
        }

        if (!System.Net.IPAddress.IsLoopback(endPoint.Address) && dto.Token is null)
        {
            read.Report(DiagnosticCodes.ServiceWithoutToken, listen, $"the farm service would listen on {listen.Value}, which other machines reach, without a token",
                "add farm.service.token: ${env:PROVISION_FARM_TOKEN} (anyone who reaches it could submit jobs), or listen on 127.0.0.1");
        }

        return new Model.FarmServiceSettings(listen.Value, token);
    }

    /// <summary>defaults, then the host's group, then the host itself: the upper layer wins key by key.</summary>
    private static HostDto Layer(HostDto host, InventoryDto inventory, ValueReader read)
    {
        HostSettingsDto? group = null;
        if (host.Group is not null && !(inventory.Groups ?? []).TryGetValue(host.Group.Value, out group))
        {
            read.Report(DiagnosticCodes.UnknownGroup, host.Group, $"group {host.Group.Shown} is not defined under 'groups'",
                DidYouMean.Suggestion(host.Group.Value, (inventory.Groups ?? []).Keys.Order(StringComparer.Ordinal)));
        }

        var settings = DtoOverlay.Merge(DtoOverlay.Merge(host, group), inventory.Defaults);
        var layered = new HostDto
        {
            Location = host.Location,
            Name = host.Name,
            Address = host.Address,
            Group = host.Group,
            Gpus = host.Gpus,
            GpusScalar = host.GpusScalar,
        };
        DtoOverlay.CopySettings(settings!, layered);
        return layered;
    }

    private static string? ResolveTemplates(YamlScalar? scalar, string file, ValueReader read)
    {
        var path = read.LocalPath(scalar, "templates");
        if (path is null)
        {
            return null;
        }

        var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".", path));
        if (!Directory.Exists(full))
        {
            read.Report(DiagnosticCodes.TemplatesDirectory, scalar, $"templates directory '{path}' does not exist (looked at {full})",
                "create it with the templates you override, or remove 'templates'");
        }

        return full;
    }
}
