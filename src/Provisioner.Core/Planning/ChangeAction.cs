namespace Provisioner.Core.Planning;

public enum ChangeAction
{
    NoOp,
    Create,
    Update,
    Delete,
    Run,
}
