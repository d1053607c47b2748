import Glibc

/// glibc's posix_spawn extensions `posix_spawn_file_actions_addchdir_np` (2.29) and
/// `posix_spawn_file_actions_addclosefrom_np` (2.34). spawn.h declares them only under
/// _GNU_SOURCE, which Swift's Glibc module is not built with, so they are looked up by name in the
/// already loaded libc and called through C function pointers.
enum SpawnFileActions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: type)
    }

    static let addChdir = symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
    static let addClosefrom = symbol("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self)
}
