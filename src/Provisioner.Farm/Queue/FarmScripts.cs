namespace Provisioner.Farm.Queue;

/// <summary>
/// The queue's state changes as Lua scripts: Redis runs each one atomically, so a task is always in
/// exactly one place (a priority queue, one worker's task list, done, or failed) whatever crashes
/// when. Key names follow <see cref="FarmKeys"/>. Times come from the caller's clock (ARGV).
/// </summary>
internal static class FarmScripts
{
    /// <summary>
    /// Shared by Fail and Reap: a task that ran out of attempts fails its job with the last error;
    /// otherwise it goes back to its queue (to the front when its worker died, so it is redone
    /// first; to the back after a render error, so another worker likely gets it).
    /// </summary>
    private const string RequeueOrFail = """
        local function requeue_or_fail(task, error, now, to_front)
          local tkey = 'farm:task:' .. task
          local job = redis.call('HGET', tkey, 'job')
          local jkey = 'job:' .. job
          redis.call('HSET', tkey, 'last_error', error, 'worker', '')
          redis.call('HSET', jkey, 'last_error', error)
          local attempts = tonumber(redis.call('HGET', tkey, 'attempts') or '0')
          local max = tonumber(redis.call('HGET', jkey, 'max_attempts') or '3')
          local status = redis.call('HGET', jkey, 'status')
          if status ~= 'queued' and status ~= 'running' then
            redis.call('HSET', tkey, 'state', 'dropped')
            return 'dropped'
          end
          if attempts >= max then
            redis.call('HSET', tkey, 'state', 'failed')
            redis.call('HINCRBY', jkey, 'frames_failed', tonumber(redis.call('HGET', tkey, 'count')))
            redis.call('HSET', jkey, 'status', 'failed', 'finished_ms', now,
              'error', 'task ' .. task .. ' (frames ' .. redis.call('HGET', tkey, 'frames') .. ') failed ' .. attempts .. ' times; last error: ' .. error)
            return 'job-failed'
          end
          redis.call('HSET', tkey, 'state', 'queued')
          local queue = 'farm:queue:' .. redis.call('HGET', jkey, 'priority')
          if to_front then redis.call('LPUSH', queue, task) else redis.call('RPUSH', queue, task) end
          return 'requeued'
        end

        """;

    /// <summary>ARGV: worker, now, lease ms. Moves the first live task of the highest non-empty queue to the worker's list and leases it.</summary>
    public const string Take = """
        local worker, now, lease_ms = ARGV[1], ARGV[2], ARGV[3]
        local mine = 'farm:worker:' .. worker .. ':tasks'
        -- Known to the reaper from its first take on, even if it dies before its first heartbeat.
        redis.call('SADD', 'farm:workers', worker)
        for _, priority in ipairs({'high', 'normal', 'low'}) do
          while true do
            local task = redis.call('LMOVE', 'farm:queue:' .. priority, mine, 'LEFT', 'RIGHT')
            if not task then break end
            local tkey = 'farm:task:' .. task
            local job = redis.call('HGET', tkey, 'job')
            local status = job and redis.call('HGET', 'job:' .. job, 'status')
            if status == 'queued' or status == 'running' then
              local jkey = 'job:' .. job
              redis.call('SET', 'farm:lease:' .. task, worker, 'PX', lease_ms)
              local attempts = redis.call('HINCRBY', tkey, 'attempts', 1)
              redis.call('HSET', tkey, 'state', 'running', 'worker', worker, 'taken_ms', now)
              if status == 'queued' then redis.call('HSET', jkey, 'status', 'running', 'started_ms', now) end
              redis.call('HSET', 'farm:worker:' .. worker, 'task', task, 'task_ms', now, 'state', 'rendering')
              return {task, job, redis.call('HGET', tkey, 'frames'), attempts, redis.call('HGET', jkey, 'spec')}
            end
            -- The job was cancelled or failed meanwhile (or the task is unknown): drop the task.
            redis.call('LREM', mine, 1, task)
            if job then redis.call('HSET', tkey, 'state', 'dropped') end
          end
        end
        return false
        """;

    /// <summary>ARGV: worker, now, lease ms, task ('' when idle), gpu, host. Says ok, idle, lost (the lease is gone) or cancelled (the job ended).</summary>
    public const string Heartbeat = """
        local worker, now, lease_ms, task = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        redis.call('SADD', 'farm:workers', worker)
        redis.call('HSET', 'farm:worker:' .. worker, 'heartbeat_ms', now, 'gpu', ARGV[5], 'host', ARGV[6])
        if task == '' then
          redis.call('HSET', 'farm:worker:' .. worker, 'task', '', 'state', 'idle')
          return 'idle'
        end
        if redis.call('GET', 'farm:lease:' .. task) ~= worker then return 'lost' end
        local job = redis.call('HGET', 'farm:task:' .. task, 'job')
        local status = redis.call('HGET', 'job:' .. job, 'status')
        if status ~= 'queued' and status ~= 'running' then return 'cancelled' end
        redis.call('PEXPIRE', 'farm:lease:' .. task, lease_ms)
        return 'ok'
        """;

    /// <summary>
    /// ARGV: worker, now, task, scene sha256 ('' if none), then pairs (frame, ms). Accepted only
    /// while the task is still the worker's (a reaped task is someone else's now). Each frame is
    /// recorded once, whoever renders it.
    /// </summary>
    public const string Complete = """
        local worker, now, task, scene = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        if redis.call('LREM', 'farm:worker:' .. worker .. ':tasks', 1, task) == 0 then return {'lost', 0} end
        redis.call('DEL', 'farm:lease:' .. task)
        local tkey = 'farm:task:' .. task
        local job = redis.call('HGET', tkey, 'job')
        local jkey = 'job:' .. job
        redis.call('HSET', tkey, 'state', 'done', 'worker', worker, 'done_ms', now)
        local new, total_ms = 0, 0
        for i = 5, #ARGV, 2 do
          new = new + redis.call('HSETNX', 'job:' .. job .. ':frames', ARGV[i], ARGV[i + 1] .. '|' .. worker)
          total_ms = total_ms + tonumber(ARGV[i + 1])
        end
        local done = redis.call('HINCRBY', jkey, 'frames_done', new)
        local tasks_done = redis.call('HINCRBY', jkey, 'tasks_done', 1)
        local frames_total = tonumber(redis.call('HGET', jkey, 'frames_total'))
        redis.call('HSET', jkey, 'progress', math.floor(done * 100 / frames_total))
        if tasks_done >= tonumber(redis.call('HGET', jkey, 'tasks_total')) and redis.call('HGET', jkey, 'status') == 'running' then
          redis.call('HSET', jkey, 'status', 'done', 'finished_ms', now)
        end
        if scene ~= '' and #ARGV >= 5 then
          redis.call('HINCRBY', 'farm:scene:' .. scene, 'ms', total_ms)
          redis.call('HINCRBY', 'farm:scene:' .. scene, 'frames', (#ARGV - 4) / 2)
        end
        redis.call('HSET', 'farm:worker:' .. worker, 'task', '', 'state', 'idle', 'last_task', task)
        redis.call('HINCRBY', 'farm:worker:' .. worker, 'frames', (#ARGV - 4) / 2)
        return {'done', new}
        """;

    /// <summary>ARGV: worker, now, task, error. A failed attempt: requeued, or the job fails when the task ran out of attempts.</summary>
    public const string Fail = RequeueOrFail + """
        local worker, now, task, error = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        if redis.call('LREM', 'farm:worker:' .. worker .. ':tasks', 1, task) == 0 then return 'lost' end
        redis.call('DEL', 'farm:lease:' .. task)
        redis.call('HSET', 'farm:worker:' .. worker, 'task', '', 'state', 'idle', 'last_error', error)
        return requeue_or_fail(task, error, now, false)
        """;

    /// <summary>
    /// ARGV: worker, task. Gives a task back without counting an attempt (the worker is stopping,
    /// or the job was cancelled under it).
    /// </summary>
    public const string Release = """
        local worker, task = ARGV[1], ARGV[2]
        if redis.call('LREM', 'farm:worker:' .. worker .. ':tasks', 1, task) == 0 then return 'lost' end
        redis.call('DEL', 'farm:lease:' .. task)
        redis.call('HSET', 'farm:worker:' .. worker, 'task', '', 'state', 'idle')
        local tkey = 'farm:task:' .. task
        redis.call('HINCRBY', tkey, 'attempts', -1)
        local job = redis.call('HGET', tkey, 'job')
        local status = redis.call('HGET', 'job:' .. job, 'status')
        if status ~= 'queued' and status ~= 'running' then
          redis.call('HSET', tkey, 'state', 'dropped', 'worker', '')
          return 'dropped'
        end
        redis.call('HSET', tkey, 'state', 'queued', 'worker', '')
        redis.call('LPUSH', 'farm:queue:' .. redis.call('HGET', 'job:' .. job, 'priority'), task)
        return 'requeued'
        """;

    /// <summary>ARGV: now. Every task held by a worker whose lease expired is requeued (or fails its job). Returns how many.</summary>
    public const string Reap = RequeueOrFail + """
        local now = ARGV[1]
        local reaped = 0
        for _, worker in ipairs(redis.call('SMEMBERS', 'farm:workers')) do
          local mine = 'farm:worker:' .. worker .. ':tasks'
          for _, task in ipairs(redis.call('LRANGE', mine, 0, -1)) do
            if redis.call('EXISTS', 'farm:lease:' .. task) == 0 then
              redis.call('LREM', mine, 1, task)
              if redis.call('HGET', 'farm:worker:' .. worker, 'task') == task then
                redis.call('HSET', 'farm:worker:' .. worker, 'task', '', 'state', 'lost')
              end
              requeue_or_fail(task, 'lease expired: worker ' .. worker .. ' stopped renewing it (killed, hung or cut off)', now, true)
              reaped = reaped + 1
            end
          end
        end
        return reaped
        """;

    /// <summary>ARGV: job, now. Marks the job cancelled; queued tasks are dropped when taken, running ones stop at their next heartbeat.</summary>
    public const string Cancel = """
        local jkey = 'job:' .. ARGV[1]
        local status = redis.call('HGET', jkey, 'status')
        if not status then return 'unknown' end
        if status ~= 'queued' and status ~= 'running' then return status end
        redis.call('HSET', jkey, 'status', 'cancelled', 'finished_ms', ARGV[2])
        return 'cancelled'
        """;

    /// <summary>
    /// ARGV: job. A failed or cancelled job runs again: its tasks that did not finish get fresh
    /// attempts and go back to their queue (tasks still queued stay where they are). Done frames stay done.
    /// </summary>
    public const string Retry = """
        local job = ARGV[1]
        local jkey = 'job:' .. job
        local status = redis.call('HGET', jkey, 'status')
        if not status then return {'unknown', 0} end
        if status ~= 'failed' and status ~= 'cancelled' then return {status, 0} end
        local queue = 'farm:queue:' .. redis.call('HGET', jkey, 'priority')
        local requeued = 0
        for _, task in ipairs(redis.call('LRANGE', 'farm:job:' .. job .. ':tasks', 0, -1)) do
          local tkey = 'farm:task:' .. task
          local state = redis.call('HGET', tkey, 'state')
          if state == 'failed' or state == 'dropped' then
            redis.call('HSET', tkey, 'state', 'queued', 'attempts', 0, 'last_error', '')
            redis.call('RPUSH', queue, task)
            requeued = requeued + 1
          elseif state == 'queued' or state == 'running' then
            redis.call('HSET', tkey, 'attempts', 0)
          end
        end
        redis.call('HSET', jkey, 'status', 'queued', 'error', '', 'frames_failed', 0, 'finished_ms', '')
        return {'queued', requeued}
        """;
}
